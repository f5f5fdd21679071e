/* Podpora chat widget: one <script> tag on any website.
   <script src=".../static/chat/widget.js" data-podpora-widget="KEY" data-podpora-server="https://help.example.com" async></script>
   Everything it shows is set with textContent: nothing a person types is ever parsed as HTML. */
(function () {
  "use strict";
  var script = document.currentScript || document.querySelector("script[data-podpora-widget]");
  if (!script) return;
  var key = script.getAttribute("data-podpora-widget");
  var server = (script.getAttribute("data-podpora-server") || new URL(script.src).origin).replace(/\/$/, "");
  var base = server + "/chat/w/" + encodeURIComponent(key);
  var storeKey = "podpora-chat-" + key;
  var config, socket, state = loadState(), retry = 0, typingTimer;

  function loadState() {
    try { return JSON.parse(sessionStorage.getItem(storeKey) || "{}"); } catch (e) { return {}; }
  }
  function saveState() { try { sessionStorage.setItem(storeKey, JSON.stringify(state)); } catch (e) {} }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    if (text) node.textContent = text;
    return node;
  }

  function post(path, data) {
    var body = new URLSearchParams();
    Object.keys(data).forEach(function (k) { body.append(k, data[k]); });
    return fetch(base + path, { method: "POST", body: body, credentials: "same-origin" }).then(function (r) {
      return r.json().then(function (json) { if (!r.ok) throw json; return json; });
    });
  }

  var host = el("div", { "data-podpora-chat": "" });
  var root = host.attachShadow({ mode: "open" });
  // A constructed style sheet, not a <style> element: a host page whose
  // Content-Security-Policy refuses inline styles still shows the widget.
  var sheet = null, style = null;
  if ("adoptedStyleSheets" in root && typeof CSSStyleSheet === "function" && CSSStyleSheet.prototype.replaceSync) {
    sheet = new CSSStyleSheet();
    root.adoptedStyleSheets = [sheet];
  } else {
    style = el("style");
    root.appendChild(style);
  }
  var button = el("button", { "class": "open", "type": "button", "aria-expanded": "false" });
  var panel = el("section", { "class": "panel", "role": "dialog", "hidden": "" });
  root.appendChild(panel);
  root.appendChild(button);

  function css(color, text) {
    var rules =
      ":host{all:initial;font-family:system-ui,sans-serif;font-size:15px}" +
      ".open{position:fixed;right:20px;bottom:20px;z-index:2147483000;border:0;border-radius:24px;padding:12px 18px;background:" + color + ";color:" + text + ";cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.25)}" +
      ".panel{position:fixed;right:20px;bottom:76px;z-index:2147483000;width:min(360px,calc(100vw - 40px));height:min(520px,calc(100vh - 120px));background:#fff;color:#1d2330;border-radius:10px;box-shadow:0 8px 30px rgba(0,0,0,.25);display:flex;flex-direction:column;overflow:hidden}" +
      ".panel[hidden]{display:none}.head{background:" + color + ";color:" + text + ";padding:12px 14px;font-weight:600;display:flex;justify-content:space-between}" +
      ".head button{background:none;border:0;color:inherit;cursor:pointer;font:inherit}" +
      ".body{flex:1;overflow:auto;padding:12px;display:flex;flex-direction:column;gap:8px}" +
      ".msg{max-width:80%;padding:8px 10px;border-radius:10px;white-space:pre-wrap;word-wrap:break-word}" +
      ".visitor{align-self:flex-end;background:" + color + ";color:" + text + "}.agent{align-self:flex-start;background:#eef1f6}" +
      ".system{align-self:center;color:#5b6476;font-size:13px}.who{display:block;font-size:12px;opacity:.75}" +
      "form{display:flex;flex-direction:column;gap:8px;padding:12px;border-top:1px solid #dde1e8}" +
      "input,textarea{font:inherit;padding:8px;border:1px solid #ccd2dc;border-radius:6px}" +
      "form button{border:0;border-radius:6px;padding:8px;background:" + color + ";color:" + text + ";cursor:pointer;font:inherit}" +
      ".row{display:flex;gap:6px}.row textarea{flex:1}.typing{font-size:13px;color:#5b6476;padding:0 12px}.note{color:#b3261e;font-size:13px}";
    if (sheet) sheet.replaceSync(rules); else style.textContent = rules;
  }

  function t(name) { return (config && config.texts[name]) || name; }

  function render(view) {
    panel.textContent = "";
    var head = el("div", { "class": "head" });
    head.appendChild(el("span", {}, t("title")));
    if (state.token && view === "chat") {
      var endButton = el("button", { "type": "button" }, t("end"));
      endButton.addEventListener("click", endChat);
      head.appendChild(endButton);
    }
    panel.appendChild(head);
    var body = el("div", { "class": "body", "aria-live": "polite" });
    panel.appendChild(body);
    if (view === "chat") return chatView(body);
    if (view === "offline") return offlineView(body);
    if (view === "ended") { body.appendChild(el("p", { "class": "system" }, t("ended"))); return; }
    return startView(body);
  }

  function field(form, name, label, type, required) {
    var input = el(type === "textarea" ? "textarea" : "input", { "name": name, "aria-label": label, "placeholder": label });
    if (type !== "textarea") input.type = type;
    if (required) input.required = true;
    form.appendChild(input);
    return input;
  }

  function startView(body) {
    body.appendChild(el("p", { "class": "agent msg" }, config.greeting));
    var form = el("form");
    if (!config.signed_in) {
      field(form, "name", t("name"), "text", true);
      field(form, "email", t("email"), "email", true);
    }
    var error = el("p", { "class": "note", "hidden": "" });
    form.appendChild(error);
    form.appendChild(el("button", { "type": "submit" }, t("start")));
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var data = { page_url: location.href.slice(0, 500), language: config.language };
      new FormData(form).forEach(function (v, k) { data[k] = v; });
      post("/start", data).then(function (json) {
        state = { token: json.token, socket: json.socket, upload: json.upload, end: json.end, last: 0, lines: [] };
        saveState();
        render("chat");
      }).catch(function (json) {
        if (json && json.code === "closed") {
          // Business hours ended while the page was open: offer a message instead.
          config.open = false;
          config.closed = "hours";
          return render("offline");
        }
        error.hidden = false;
        error.textContent = (json && json.message) || t("error");
      });
    });
    panel.appendChild(form);
  }

  function offlineView(body) {
    body.appendChild(el("p", { "class": "system" }, t(config.closed === "hours" ? "closed" : "offline")));
    if (config.closed === "hours" && config.texts.reopens) body.appendChild(el("p", { "class": "system" }, config.texts.reopens));
    var form = el("form");
    if (!config.signed_in) {
      field(form, "name", t("name"), "text", true);
      field(form, "email", t("email"), "email", true);
    }
    field(form, "message", t("placeholder"), "textarea", true);
    var note = el("p", { "class": "note", "hidden": "" });
    form.appendChild(note);
    form.appendChild(el("button", { "type": "submit" }, t("leave")));
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var data = {};
      new FormData(form).forEach(function (v, k) { data[k] = v; });
      post("/offline", data).then(function (json) {
        body.textContent = "";
        body.appendChild(el("p", { "class": "system" }, t("left").replace("%(number)s", "#" + json.number)));
        form.remove();
      }).catch(function (json) { note.hidden = false; note.textContent = (json && json.message) || t("error"); });
    });
    panel.appendChild(form);
  }

  var lines, typing;
  function addLine(message) {
    if (message.id && message.id <= (state.last || 0) && lines.querySelector('[data-id="' + message.id + '"]')) return;
    var line = el("div", { "class": "msg " + message.sender, "data-id": String(message.id || "") });
    if (message.name && message.sender !== "visitor") line.appendChild(el("span", { "class": "who" }, message.name));
    line.appendChild(document.createTextNode(message.attachment ? "📎 " + message.attachment.name : message.body));
    lines.appendChild(line);
    lines.scrollTop = lines.scrollHeight;
    if (message.id) { state.last = Math.max(state.last || 0, message.id); saveState(); }
  }

  function chatView(body) {
    lines = body;
    typing = el("p", { "class": "typing", "hidden": "" }, t("typing"));
    panel.appendChild(typing);
    var form = el("form");
    var row = el("div", { "class": "row" });
    var input = el("textarea", { "rows": "2", "maxlength": "4000", "aria-label": t("placeholder"), "placeholder": t("placeholder") });
    row.appendChild(input);
    row.appendChild(el("button", { "type": "submit" }, t("send")));
    form.appendChild(row);
    var file = el("input", { "type": "file", "aria-label": t("attach") });
    form.appendChild(file);
    file.addEventListener("change", function () {
      if (!file.files.length) return;
      var data = new FormData();
      data.append("file", file.files[0]);
      fetch(server + state.upload, { method: "POST", body: data, credentials: "same-origin" }).then(function (r) {
        if (!r.ok) r.json().then(function (json) { addLine({ sender: "system", body: json.message || t("error") }); });
        file.value = "";
      });
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); form.requestSubmit(); return; }
      if (socket && socket.readyState === 1 && !typingTimer) {
        socket.send(JSON.stringify({ type: "typing" }));
        typingTimer = setTimeout(function () { typingTimer = null; }, 2000);
      }
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = input.value.trim();
      if (!text || !socket || socket.readyState !== 1) return;
      socket.send(JSON.stringify({ type: "message", body: text }));
      input.value = "";
    });
    panel.appendChild(form);
    connect();
  }

  function connect() {
    var url = server.replace(/^http/, "ws") + state.socket + "?after=" + (state.last || 0);
    socket = new WebSocket(url);
    socket.onopen = function () { retry = 0; };
    socket.onmessage = function (event) {
      var data = JSON.parse(event.data);
      if (data.event === "hello") {
        if (!lines.childNodes.length && data.status === "waiting") addLine({ sender: "system", body: t("waiting") });
        data.missed.forEach(addLine);
        if (data.status === "ended") finish();
      } else if (data.event === "message") { addLine(data); typing.hidden = true; }
      else if (data.event === "typing" && data.sender === "agent") {
        typing.hidden = false;
        clearTimeout(typing.timer);
        typing.timer = setTimeout(function () { typing.hidden = true; }, 3000);
      } else if (data.event === "ended") { finish(); }
      else if (data.event === "error") { addLine({ sender: "system", body: data.message || t("error") }); }
    };
    socket.onclose = function (event) {
      if (!state.token || event.code === 4403 || event.code === 4404) return;
      retry = Math.min(retry + 1, 6);
      setTimeout(connect, 500 * Math.pow(2, retry));  // reconnect; the server replays what we missed
    };
  }

  function finish() {
    state = {};
    saveState();
    if (socket) { socket.onclose = null; socket.close(); }
    render("ended");
  }

  function endChat() {
    fetch(server + state.end, { method: "POST", credentials: "same-origin" }).finally(finish);
  }

  button.addEventListener("click", function () {
    var opening = panel.hidden;
    panel.hidden = !opening;
    button.setAttribute("aria-expanded", String(opening));
    if (opening && !panel.childNodes.length) render(state.token ? "chat" : config.open ? "start" : "offline");
  });

  fetch(base + "/config", { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (json) {
    config = json;
    css(/^#[0-9a-f]{6}$/i.test(json.color) ? json.color : "#1f5fbf", /^#[0-9a-f]{6}$/i.test(json.text_color) ? json.text_color : "#ffffff");
    button.textContent = t("title");
    document.body.appendChild(host);
    if (state.token) { panel.hidden = false; button.setAttribute("aria-expanded", "true"); render("chat"); }
  });
})();
