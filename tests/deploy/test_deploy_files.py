"""deploy/: the systemd template units pass `systemd-analyze verify` and carry the hardening; nginx accepts the
load balancer's configuration with the upstream templated to this test's ports."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from support.postgres import free_port

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
UNITS = {
    "eenplan@.service": "eenplan@8081.service",
    "eenplan-worker@.service": "eenplan-worker@1.service",
    "eenplan-inbound@.service": "eenplan-inbound@8024.service",
    "eenplan-migrate.service": "eenplan-migrate.service",
}
HARDENING = ("NoNewPrivileges=true", "ProtectSystem=strict", "PrivateTmp=true", "ProtectHome=true", "UMask=0077")


def test_the_units_verify_and_are_hardened(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze missing")
    for name in UNITS:
        text = (DEPLOY / name).read_text()
        for line in HARDENING:
            assert line in text, (name, line)
        if name != "eenplan-migrate.service":
            assert "KillSignal=SIGTERM" in text and re.search(r"^TimeoutStopSec=\d+$", text, re.M), name
            assert "ReadWritePaths=/var/lib/eenplan" in text and "EENPLAN_GNUPGHOME=/var/lib/eenplan/" in text, name
        # the binaries are not installed here: verify the units' syntax and semantics with /bin/true instead
        text = text.replace("/srv/eenplan/.venv/bin/eenplan", "/bin/true").replace("/usr/bin/psql", "/bin/true")
        (tmp_path / name).write_text(text)
    (tmp_path / "eenplan.target").write_text((DEPLOY / "eenplan.target").read_text())
    checked = subprocess.run(
        [analyze, "verify", "--man=no", *(str(tmp_path / instance) for instance in UNITS.values())],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    complaints = [line for line in (checked.stdout + checked.stderr).splitlines() if str(tmp_path) in line]
    assert checked.returncode == 0 and not complaints, checked.stdout + checked.stderr


def test_the_instance_settings_follow_the_instance_name() -> None:
    node = (DEPLOY / "eenplan@.service").read_text()
    assert "Environment=EENPLAN_PORT=%i" in node and "Environment=EENPLAN_METRICS_URL=http://127.0.0.2:%i" in node
    assert "Environment=EENPLAN_WORKER_IN_SERVE=false" in node
    inbound = (DEPLOY / "eenplan-inbound@.service").read_text()
    assert "Environment=EENPLAN_INBOUND_URL=lmtp://127.0.0.1:%i" in inbound
    env = (DEPLOY / "env.example").read_text()
    for per_instance in ("EENPLAN_PORT=", "EENPLAN_METRICS_URL=", "EENPLAN_GNUPGHOME=", "EENPLAN_INBOUND_URL="):
        assert not re.search(rf"^{per_instance}", env, re.M), f"{per_instance} in env.example overrides the units"


def test_the_env_file_reads_the_same_in_sh_as_in_systemd() -> None:
    """Operator commands source /etc/eenplan/env with sh (deploy/README.md, "On a bad day"); the units read it as
    systemd's EnvironmentFile. Both must see every value whole: with the database URL's `&` unquoted, sh ran its
    first half in the background, never set the URL, and every operator command opened an empty SQLite file."""
    example = DEPLOY / "env.example"
    expected = {}
    for line in example.read_text().splitlines():
        if "=" in line and not line.startswith("#"):
            name, value = line.split("=", 1)
            expected[name] = value[1:-1] if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"" else value
    assert "&" in expected["EENPLAN_DATABASE_URL"]
    sourced = subprocess.run(
        ["sh", "-c", 'set -a; . "$1"; set +a; env', "sh", str(example)],
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
        capture_output=True,
        text=True,
        check=True,
    )
    assert not sourced.stderr, sourced.stderr
    seen = dict(line.split("=", 1) for line in sourced.stdout.splitlines() if line.startswith("EENPLAN_"))
    assert seen == expected


def render_nginx(node_ports: list[int], listen: int, cert: Path, key: Path) -> str:
    """deploy/nginx.conf with its upstream on `node_ports` and its TLS server on `listen` (a cluster test's shape)."""
    conf = (DEPLOY / "nginx.conf").read_text()
    servers = "".join(f"    server 127.0.0.1:{p} max_fails=2 fail_timeout=5s;\n" for p in node_ports)
    conf, count = re.subn(r"(    server 127\.0\.0\.1:\d+ [^\n]*\n)+", servers, conf)
    assert count == 1, "the upstream's server lines must be one block a test can replace"
    conf = re.sub(r"^\s*listen \[::\]:\d+[^\n]*\n", "", conf, flags=re.M)
    conf = conf.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{listen} ssl;").replace(
        "listen 80;", f"listen 127.0.0.1:{free_port()};"
    )
    return conf.replace("/etc/ssl/eenplan/fullchain.pem", str(cert)).replace("/etc/ssl/eenplan/privkey.pem", str(key))


def test_nginx_accepts_the_load_balancer_configuration(tmp_path: Path) -> None:
    nginx = Path("/usr/sbin/nginx")
    if not nginx.exists() or shutil.which("openssl") is None:
        pytest.skip("nginx or openssl missing")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
         "-keyout", str(key), "-out", str(cert)],
        capture_output=True, check=True,
    )  # fmt: skip
    (tmp_path / "eenplan.conf").write_text(
        render_nginx([free_port(), free_port(), free_port()], free_port(), cert, key)
    )
    user = "user root;\n" if os.geteuid() == 0 else ""
    temp = "".join(f"    {k}_temp_path {tmp_path}/{k};\n" for k in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    main = (
        f"{user}pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log warn;\nevents {{ }}\n"
        f"http {{\n{temp}    include {tmp_path}/eenplan.conf;\n}}\n"
    )
    (tmp_path / "nginx.conf").write_text(main)
    checked = subprocess.run(
        [str(nginx), "-t", "-p", str(tmp_path), "-e", str(tmp_path / "error.log"), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr
    assert "upstream eenplan" in (tmp_path / "eenplan.conf").read_text()


def test_the_owner_password_is_out_of_the_nodes_reach() -> None:
    migrate = (DEPLOY / "eenplan-migrate.service").read_text()
    assert re.search(r"^User=eenplan-migrate$", migrate, re.M) and "EnvironmentFile=/etc/eenplan/migrate.env" in migrate
    for name in ("eenplan@.service", "eenplan-worker@.service", "eenplan-inbound@.service"):
        unit = (DEPLOY / name).read_text()
        assert re.search(r"^User=eenplan$", unit, re.M), name
        assert re.search(r"^InaccessiblePaths=-?/etc/eenplan/migrate\.env$", unit, re.M), name
        assert "migrate.env" not in "".join(re.findall(r"^EnvironmentFile=.*$", unit, re.M)), name


def _unit_setting(unit: str, name: str) -> str:
    found = re.search(rf"^Environment={name}=(.*)$", unit, re.M)
    assert found, name
    return found.group(1)


def test_the_metrics_port_scheme_fits_every_instance() -> None:
    """Every app node and receiver port (1024-65535) and every worker (1-9) gets a metrics address that parses and
    is not the process's own port: the old `1<port>` scheme ran past 65535 for any port above 9999."""
    from eenplan.config import Settings

    for name, instances in (
        ("eenplan@.service", range(1024, 65536)),
        ("eenplan-inbound@.service", range(1024, 65536)),
        ("eenplan-worker@.service", range(1, 10)),
    ):
        unit = (DEPLOY / name).read_text()
        metrics = _unit_setting(unit, "EENPLAN_METRICS_URL")
        for instance in instances:
            host, port = Settings(metrics_url=metrics.replace("%i", str(instance))).metrics_listen()
            assert 1024 <= port <= 65535, (name, instance)
            if name == "eenplan@.service":
                assert (host, port) != (_unit_setting(unit, "EENPLAN_HOST"), instance)


def test_a_node_and_its_metrics_bind_the_same_port_number_side_by_side() -> None:
    import socket

    port = free_port()
    with socket.socket() as app, socket.socket() as metrics:
        app.bind(("127.0.0.1", port))
        app.listen()
        metrics.bind(("127.0.0.2", port))  # the second loopback address: its own socket, same number
        metrics.listen()


def test_the_install_steps_make_the_user_and_every_directory_the_units_use() -> None:
    readme = (DEPLOY / "README.md").read_text()
    install = readme[readme.index("## Install") : readme.index("## Health and metrics")]
    for unit in DEPLOY.glob("*.service"):
        text = unit.read_text()
        for user in re.findall(r"^User=(\S+)$", text, re.M):
            assert re.search(rf"useradd --system [^\n`]*\b{re.escape(user)}\b", install), (unit.name, user)
        if "StateDirectory=eenplan" in text:
            assert "ReadWritePaths=/var/lib/eenplan" in text  # made by systemd, owned by User=
        for path in re.findall(r"^(?:EnvironmentFile|WorkingDirectory)=-?(\S+)$", text, re.M):
            folder = path if path == "/srv/eenplan" else str(Path(path).parent)
            assert folder in install, (unit.name, folder)
    assert "install -d -o root -g eenplan -m 0750 /etc/eenplan" in install
    assert "/srv/eenplan-releases" in install and "symlink" in install


def test_postgresql_memory_follows_its_sizing_rule() -> None:
    """shared_buffers is 25 % of the RAM the file says it is sized for, effective_cache_size 75 %."""
    conf = (DEPLOY / "postgres" / "postgresql.conf").read_text()
    ram = int(re.search(r"sized for: (\d+) GB", conf).group(1))

    def gigabytes(name: str) -> float:
        value = re.search(rf"^{name} = (\d+)(GB|MB)", conf, re.M)
        assert value, name
        return int(value.group(1)) / (1 if value.group(2) == "GB" else 1024)

    assert gigabytes("shared_buffers") == ram * 0.25
    assert gigabytes("effective_cache_size") == ram * 0.75
    assert "25 % of RAM" in conf
    assert int(re.search(r"^max_connections = (\d+)", conf, re.M).group(1)) * gigabytes("work_mem") <= ram - gigabytes(
        "shared_buffers"
    )


def _shell_lines(text: str) -> list[str]:
    """The lines of the ```sh blocks of a document."""
    return [line for block in re.findall(r"```sh\n(.*?)```", text, re.S) for line in block.splitlines()]


def test_the_install_builds_the_release_before_it_uses_its_files() -> None:
    """A first install can be followed top to bottom: the clone and venv come before anything from the release
    (`deploy/env.example`, the unit files), the bytecode is compiled as root, the units are copied and reloaded."""
    readme = (DEPLOY / "README.md").read_text()
    install = readme[readme.index("## Install") : readme.index("## Health and metrics")]
    lines = _shell_lines(install)
    first = {k: next(i for i, line in enumerate(lines) if k in line) for k in ("clone", "venv", "env.example")}
    assert first["clone"] < first["venv"] < first["env.example"]
    assert any("compileall" in line for line in lines)
    assert any("/etc/systemd/system" in line for line in lines) and any("daemon-reload" in line for line in lines)
    assert "From the old layout" in install and "mv /srv/eenplan /srv/eenplan-old" in install
    upgrades = (DEPLOY / "UPGRADES.md").read_text()
    assert any("compileall" in line for line in _shell_lines(upgrades))
    assert "daemon-reload" in upgrades and "step 2 below" not in upgrades


def test_operator_commands_and_alerts_are_written_as_they_work() -> None:
    """Commands by hand name the release's venv and run as eenplan (a bare `eenplan` is on no PATH); alerts never
    take increase() of a gauge, and the cluster-wide figures are aggregated with max without(instance)."""
    readme = (DEPLOY / "README.md").read_text()
    for doc in (readme, (DEPLOY / "UPGRADES.md").read_text()):
        for line in _shell_lines(doc):
            assert not re.match(r"\s*eenplan\s", line), line
    bad_day = readme[readme.index("## On a bad day") : readme.index("## Backup and restore")]
    assert "runuser -u eenplan -- " in bad_day and "/srv/eenplan/.venv/bin/eenplan" in bad_day
    assert "increase(eenplan_outbox_dead_letters" not in readme
    assert 'increase(eenplan_mail_failed_total{outcome="dead"}' in readme
    assert "max without(instance)" in readme
