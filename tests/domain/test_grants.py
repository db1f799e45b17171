"""What each kind of record grants: one rule for the domain records and both storage loaders."""

from __future__ import annotations

from datetime import date

from eenplan.domain.access import Level
from eenplan.domain.grants import GrantKind, grant_from
from eenplan.storage.grant_rows import GrantColumns, grant_of

UNTIL = date(2027, 1, 31)


def test_consent_grants_its_own_level_without_emergency():
    g = grant_from(GrantKind.TOESTEMMING, "c1", ["analyse", "doelen"], Level.WRITE, UNTIL)
    assert (g.sections, g.level, g.ground, g.until, g.emergency) == (
        frozenset({"analyse", "doelen"}),
        Level.WRITE,
        "toestemming:c1",
        UNTIL,
        False,
    )


def test_overmacht_grants_read_only_and_every_use_is_emergency_access():
    g = grant_from(GrantKind.OVERMACHT, "o1", ["veiligheidsplan"], Level.WRITE, UNTIL)
    assert (g.level, g.emergency, g.ground) == (Level.READ, True, "overmacht:o1")


def test_escalation_grants_read_until_afschalen():
    g = grant_from(GrantKind.ESCALATIE, "e1", ["algemeen", ""], None, None)
    assert (g.sections, g.level, g.emergency, g.until) == (frozenset({"algemeen"}), Level.READ, False, None)


def test_the_storage_decoder_applies_the_domain_rule():
    """SQLite hands back text dates and comma-joined sections; the grant must be the domain's all the same."""
    row = GrantColumns("overmacht", "o1", "veiligheidsplan,analyse", 0, "2027-01-31")
    assert grant_of(row) == grant_from(GrantKind.OVERMACHT, "o1", ["veiligheidsplan", "analyse"], None, UNTIL)
