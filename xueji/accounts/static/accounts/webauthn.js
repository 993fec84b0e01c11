/* WebAuthn security keys (accounts/security_keys.py): the two ceremonies in the browser, with no library.
   [data-webauthn=register] (a form: the key's name) and [data-webauthn=authenticate] (a button) carry the URLs
   of the options step and the verify step. The server's options are JSON with base64url binary fields; the
   answer goes back the same way. Errors show in the nearest [data-webauthn-error]. */
(function () {
  "use strict";

  function toBytes(b64url) {
    var b64 = b64url.replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) { b64 += "="; }
    var text = atob(b64), bytes = new Uint8Array(text.length);
    for (var i = 0; i < text.length; i++) { bytes[i] = text.charCodeAt(i); }
    return bytes.buffer;
  }

  function toB64url(buffer) {
    var bytes = new Uint8Array(buffer), text = "";
    for (var i = 0; i < bytes.length; i++) { text += String.fromCharCode(bytes[i]); }
    return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrfToken(), "Accept": "application/json"},
      body: body === undefined ? "{}" : JSON.stringify(body)
    }).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) { throw new Error(data.message || response.statusText); }
        return data;
      });
    });
  }

  function descriptors(list) {
    return (list || []).map(function (d) {
      var out = {type: d.type, id: toBytes(d.id)};
      if (d.transports) { out.transports = d.transports; }
      return out;
    });
  }

  function creationOptions(o) {
    var options = Object.assign({}, o);
    options.challenge = toBytes(o.challenge);
    options.user = Object.assign({}, o.user, {id: toBytes(o.user.id)});
    options.excludeCredentials = descriptors(o.excludeCredentials);
    return options;
  }

  function requestOptions(o) {
    var options = Object.assign({}, o);
    options.challenge = toBytes(o.challenge);
    options.allowCredentials = descriptors(o.allowCredentials);
    return options;
  }

  function registrationJSON(credential) {
    var r = credential.response;
    return {
      id: credential.id, rawId: toB64url(credential.rawId), type: credential.type,
      response: {
        clientDataJSON: toB64url(r.clientDataJSON), attestationObject: toB64url(r.attestationObject),
        transports: typeof r.getTransports === "function" ? r.getTransports() : []
      },
      clientExtensionResults: credential.getClientExtensionResults ? credential.getClientExtensionResults() : {},
      authenticatorAttachment: credential.authenticatorAttachment || undefined
    };
  }

  function assertionJSON(credential) {
    var r = credential.response;
    return {
      id: credential.id, rawId: toB64url(credential.rawId), type: credential.type,
      response: {
        clientDataJSON: toB64url(r.clientDataJSON), authenticatorData: toB64url(r.authenticatorData),
        signature: toB64url(r.signature), userHandle: r.userHandle ? toB64url(r.userHandle) : null
      },
      clientExtensionResults: credential.getClientExtensionResults ? credential.getClientExtensionResults() : {},
      authenticatorAttachment: credential.authenticatorAttachment || undefined
    };
  }

  function showError(element, error) {
    var box = element.parentElement.querySelector("[data-webauthn-error]") ||
      document.querySelector("[data-webauthn-error]");
    if (box) {
      box.textContent = (error && error.message) || String(error);
      box.classList.remove("d-none");
    }
  }

  function unsupported() {
    return !window.PublicKeyCredential || !navigator.credentials;
  }

  function register(form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (unsupported()) { showError(form, new Error(form.dataset.unsupported || "WebAuthn is not available.")); return; }
      var name = (form.querySelector("[name=name]") || {}).value || "";
      post(form.dataset.optionsUrl).then(function (options) {
        return navigator.credentials.create({publicKey: creationOptions(options)});
      }).then(function (credential) {
        return post(form.dataset.verifyUrl, {name: name, credential: registrationJSON(credential)});
      }).then(function (data) {
        window.location.assign(data.redirect);
      }).catch(function (error) { showError(form, error); });
    });
  }

  function authenticate(button) {
    button.addEventListener("click", function () {
      if (unsupported()) { showError(button, new Error("WebAuthn is not available.")); return; }
      button.disabled = true;
      post(button.dataset.optionsUrl).then(function (options) {
        return navigator.credentials.get({publicKey: requestOptions(options)});
      }).then(function (credential) {
        return post(button.dataset.verifyUrl, assertionJSON(credential));
      }).then(function (data) {
        window.location.assign(data.redirect);
      }).catch(function (error) { button.disabled = false; showError(button, error); });
    });
  }

  document.querySelectorAll("[data-webauthn=register]").forEach(register);
  document.querySelectorAll("[data-webauthn=authenticate]").forEach(authenticate);
})();
