/*
 * eenplan's only JavaScript: passkeys (WebAuthn) for pages that also work without it.
 *
 * A block like
 *   <div data-passkey="verify|signin|register" data-options-url="…" data-finish-url="…"
 *        data-csrf="…" data-next="/…" data-msg-failed="…" data-msg-cancelled="…"
 *        data-msg-limited="…" data-msg-busy="…" data-msg-exists="…" hidden>
 *     <input data-passkey-label> (register only, optional)
 *     <button type="button" data-passkey-start>…</button>
 *     <p data-passkey-status role="status"></p>
 *   </div>
 * is shown when the browser can use passkeys (and a sibling [data-passkey-missing] text is hidden then). The button asks the server for options (POST JSON, the CSRF token
 * in the X-CSRF-Token header), calls navigator.credentials.create/get, sends the result back and follows the
 * local path the server answers with. Every text comes from the page (data-msg-*): nothing to translate here.
 */
(function () {
  "use strict";

  function toBytes(b64url) {
    var b64 = b64url.replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) { b64 += "="; }
    var raw = atob(b64);
    var out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { out[i] = raw.charCodeAt(i); }
    return out.buffer;
  }

  function toB64url(buffer) {
    if (!buffer) { return null; }
    var bytes = new Uint8Array(buffer);
    var raw = "";
    for (var i = 0; i < bytes.length; i++) { raw += String.fromCharCode(bytes[i]); }
    return btoa(raw).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function descriptors(list) {
    return (list || []).map(function (d) {
      var out = { type: d.type, id: toBytes(d.id) };
      if (d.transports) { out.transports = d.transports; }
      return out;
    });
  }

  function creationOptions(json) {
    var o = Object.assign({}, json);
    o.challenge = toBytes(json.challenge);
    o.user = Object.assign({}, json.user, { id: toBytes(json.user.id) });
    o.excludeCredentials = descriptors(json.excludeCredentials);
    return o;
  }

  function requestOptions(json) {
    var o = Object.assign({}, json);
    o.challenge = toBytes(json.challenge);
    o.allowCredentials = descriptors(json.allowCredentials);
    return o;
  }

  function credentialJson(cred) {
    var r = cred.response;
    var response = { clientDataJSON: toB64url(r.clientDataJSON) };
    if (r.attestationObject) {
      response.attestationObject = toB64url(r.attestationObject);
      if (typeof r.getTransports === "function") { response.transports = r.getTransports(); }
    } else {
      response.authenticatorData = toB64url(r.authenticatorData);
      response.signature = toB64url(r.signature);
      if (r.userHandle) { response.userHandle = toB64url(r.userHandle); }
    }
    return {
      id: cred.id,
      rawId: toB64url(cred.rawId),
      type: cred.type,
      response: response,
      authenticatorAttachment: cred.authenticatorAttachment || null,
      clientExtensionResults: cred.getClientExtensionResults ? cred.getClientExtensionResults() : {}
    };
  }

  function Failure(status) { this.status = status; }

  function post(block, url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      redirect: "manual",
      headers: { "Content-Type": "application/json", "Accept": "application/json",
                 "X-CSRF-Token": block.dataset.csrf || "" },
      body: JSON.stringify(body)
    }).then(function (resp) {
      if (!resp.ok) { throw new Failure(resp.status); }
      return resp.json();
    });
  }

  function localPath(path) {
    return typeof path === "string" && path.charAt(0) === "/" && path.charAt(1) !== "/" && path.charAt(1) !== "\\";
  }

  function run(block, status, button) {
    var kind = block.dataset.passkey;
    var labelInput = block.querySelector("[data-passkey-label]");
    var extra = { next: block.dataset.next || null };
    if (labelInput) { extra.label = labelInput.value; }
    button.disabled = true;
    status.textContent = block.dataset.msgBusy || "";
    post(block, block.dataset.optionsUrl, extra).then(function (answer) {
      var options = answer.options;
      var pending = kind === "register"
        ? navigator.credentials.create({ publicKey: creationOptions(options) })
        : navigator.credentials.get({ publicKey: requestOptions(options) });
      return pending.then(function (cred) {
        if (!cred) { throw new Failure(0); }
        var body = Object.assign({ challenge_id: answer.challenge_id, credential: credentialJson(cred) }, extra);
        return post(block, block.dataset.finishUrl, body);
      });
    }).then(function (done) {
      status.textContent = "";
      window.location.assign(localPath(done.redirect) ? done.redirect : "/");
    }).catch(function (err) {
      button.disabled = false;
      if (err instanceof Failure && err.status === 429) {
        status.textContent = block.dataset.msgLimited || block.dataset.msgFailed || "";
      } else if (err && err.name === "InvalidStateError" && kind === "register") {
        status.textContent = block.dataset.msgExists || block.dataset.msgFailed || "";
      } else if (err && (err.name === "NotAllowedError" || err.name === "AbortError")) {
        status.textContent = block.dataset.msgCancelled || block.dataset.msgFailed || "";
      } else {
        status.textContent = block.dataset.msgFailed || "";
      }
    });
  }

  function setUp() {
    var supported = typeof window.PublicKeyCredential === "function" && !!navigator.credentials;
    var blocks = document.querySelectorAll("[data-passkey]");
    Array.prototype.forEach.call(blocks, function (block) {
      var button = block.querySelector("[data-passkey-start]");
      var status = block.querySelector("[data-passkey-status]");
      if (!button || !status || !supported) { return; }
      block.hidden = false;
      var missing = block.parentNode && block.parentNode.querySelector("[data-passkey-missing]");
      if (missing) { missing.hidden = true; }
      button.addEventListener("click", function () { run(block, status, button); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
