/* Resumable browser uploads over tus (static/vendor/tus.min.js, loaded first).

   A classic script with no inline parts, so the page runs under a strict CSP.
   Everything comes from <form id="upload-form">:
     data-endpoint      the tus collection URL
     data-csrf          Django's CSRF token, sent as X-CSRFToken
     data-result-url    where to go when every file is in (?id=...&id=...)
     data-i18n-queued, -progress, -paused, -done, -failed, -overall,
     -signed-out, -not-allowed, -too-large
                        strings translated server-side, with {name}, {percent},
                        {done} and {total} placeholders; no English lives here.
   Inside it: input[type=file][multiple], input[type=file][webkitdirectory],
   select[name=project], an optional [data-upload-list] and [role=status], and
   optional buttons [data-upload-action=pause|resume], and an optional hidden
   [data-upload-alert] shown when the session has ended (the server answers 403
   with X-Marsad-Reason: signed-out): what was sent is kept, and choosing the same
   files after signing in again continues them.

   window.marsadUpload.abortAll() / resumeAll() pause and continue every upload
   (for people on failing links, and for browser tests). */
(function () {
  "use strict";

  var CHUNK_SIZE = 8 * 1024 * 1024;
  var RETRY_DELAYS = [0, 1000, 3000, 5000, 10000, 20000];
  var PARALLEL = 3; // enough to fill a slow link; more uploads only compete for it

  var form = document.getElementById("upload-form");
  if (!form || !window.tus || !window.tus.isSupported) return;
  var config = form.dataset;
  var list = form.querySelector("[data-upload-list]") || form.appendChild(document.createElement("ul"));
  var status = form.querySelector("[role=status]") || makeStatus();
  var lang = document.documentElement.lang || undefined;
  var percentFormat = new Intl.NumberFormat(lang, {style: "percent", maximumFractionDigits: 0});
  var countFormat = new Intl.NumberFormat(lang);
  var alertBox = form.querySelector("[data-upload-alert]");
  var entries = [];
  var started = false;
  var lastSummary = "";

  function makeStatus() {
    var p = document.createElement("p");
    p.setAttribute("role", "status");
    return form.appendChild(p);
  }

  function text(key, values) {
    var template = config["i18n" + key.charAt(0).toUpperCase() + key.slice(1)] || "";
    return template.replace(/\{(\w+)\}/g, function (whole, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : whole;
    });
  }

  // -- the list of files ----------------------------------------------------

  function add(file, path) {
    var shown = path || file.name;
    var same = entries.some(function (e) {
      return e.name === shown && e.file.size === file.size && e.file.lastModified === file.lastModified;
    });
    if (same) return;
    var row = document.createElement("li");
    var name = document.createElement("span");
    var bar = document.createElement("progress");
    var state = document.createElement("span");
    name.textContent = shown; // textContent, never HTML: file names come from anywhere
    bar.max = 100;
    bar.value = 0;
    bar.setAttribute("aria-label", shown);
    row.append(name, " ", bar, " ", state);
    list.appendChild(row);
    var entry = {file: file, path: path, name: shown, bar: bar, state: state, sent: 0,
                 status: "queued", upload: null, id: null, note: ""};
    entries.push(entry);
    show(entry);
    pump();
  }

  function show(entry) {
    var fraction = entry.file.size ? entry.sent / entry.file.size : (entry.status === "done" ? 1 : 0);
    entry.bar.value = Math.round(fraction * 100);
    var key = entry.status === "running" ? "progress" : (entry.note || entry.status);
    entry.state.textContent = text(key, {name: entry.name, percent: percentFormat.format(fraction)});
    entry.state.parentNode.dataset.status = entry.status;
    summarise();
  }

  function summarise() {
    var total = 0, sent = 0, done = 0;
    entries.forEach(function (e) {
      total += e.file.size;
      sent += e.status === "done" ? e.file.size : e.sent;
      if (e.status === "done") done += 1;
    });
    var summary = text("overall", {percent: percentFormat.format(total ? sent / total : (done ? 1 : 0)),
                                   done: countFormat.format(done), total: countFormat.format(entries.length)});
    // Only on change: a status region is read aloud each time it is written.
    if (summary !== lastSummary) status.textContent = lastSummary = summary;
  }

  // -- uploading ------------------------------------------------------------

  function pump() {
    if (!started) return;
    var running = entries.filter(function (e) { return e.status === "running"; }).length;
    entries.forEach(function (e) {
      if (e.status === "queued" && running < PARALLEL) {
        running += 1;
        begin(e);
      }
    });
    finishedAll();
  }

  function begin(entry) {
    entry.status = "running";
    entry.note = "";
    show(entry);
    if (!entry.upload) entry.upload = makeUpload(entry);
    if (entry.upload.url) { // started before: the client asks the server where it stands
      entry.upload.start();
      return;
    }
    entry.upload.findPreviousUploads().then(function (previous) {
      if (entry.status !== "running") return; // paused meanwhile
      if (previous.length) entry.upload.resumeFromPreviousUpload(previous[0]);
      entry.upload.start();
    });
  }

  function makeUpload(entry) {
    var project = form.elements.project ? form.elements.project.value : "";
    return new window.tus.Upload(entry.file, {
      endpoint: config.endpoint,
      chunkSize: CHUNK_SIZE,
      retryDelays: RETRY_DELAYS,
      storeFingerprintForResuming: true,
      removeFingerprintOnSuccess: true, // the same file sent again later is a new upload
      // The default fingerprint ignores the folder: two IMG_0001.JPG of equal size
      // and date in different folders would resume into each other.
      fingerprint: function () {
        return Promise.resolve(["marsad", config.endpoint, project, entry.name, entry.file.size,
                                entry.file.lastModified, entry.file.type].join("|"));
      },
      metadata: {filename: entry.file.name, relativePath: entry.path, filetype: entry.file.type, project: project},
      headers: {"X-CSRFToken": config.csrf},
      onProgress: function (sent) {
        entry.sent = sent;
        show(entry);
      },
      onSuccess: function () {
        entry.id = entry.upload.url.replace(/\/+$/, "").split("/").pop();
        settle(entry, "done");
      },
      onError: function (error) {
        var response = error && error.originalResponse;
        var code = response ? response.getStatus() : 0;
        if (code === 403 && response.getHeader("X-Marsad-Reason") !== "not-allowed") {
          signedOut(entry); // a lapsed session, or a page whose CSRF token went with it
          return;
        }
        if (window.console) window.console.warn("upload failed", entry.name, error);
        entry.note = code === 403 ? "notAllowed" : code === 413 ? "tooLarge" : "";
        settle(entry, "failed");
      }
    });
  }

  function settle(entry, outcome) {
    if (entry.status !== "running") return; // an abort already settled it
    entry.status = outcome;
    show(entry);
    pump();
  }

  // Every request of this page will be refused now: stop them all, keep what was sent.
  function signedOut(entry) {
    if (entry.status === "running") {
      entry.status = "paused";
      entry.note = "signedOut";
      show(entry);
    }
    abortAll().then(function () {
      entries.forEach(function (e) {
        if (e.status === "paused") { e.note = "signedOut"; show(e); }
      });
    });
    if (alertBox) {
      alertBox.hidden = false;
      alertBox.setAttribute("role", "alert");
    }
  }

  function finishedAll() {
    if (!entries.length || !entries.every(function (e) { return e.status === "done"; })) return;
    if (!config.resultUrl) return;
    var url = new URL(config.resultUrl, window.location.href);
    entries.forEach(function (e) { url.searchParams.append("id", e.id); });
    window.location.assign(url.toString());
  }

  function abortAll() {
    var waits = [];
    entries.forEach(function (e) {
      if (e.status !== "running") return;
      e.status = "paused";
      if (e.upload) waits.push(e.upload.abort());
      show(e);
    });
    return Promise.all(waits);
  }

  function resumeAll() {
    entries.forEach(function (e) {
      if (e.status === "paused" || e.status === "failed") {
        e.status = "queued";
        e.note = "";
        show(e);
      }
    });
    pump(); // only once the form was submitted: files chosen but not sent yet stay put
  }

  // -- choosing files -------------------------------------------------------

  function relative(path) {
    return path.indexOf("/") >= 0 ? path : ""; // a bare name is no folder path
  }

  Array.prototype.forEach.call(form.querySelectorAll("input[type=file]"), function (input) {
    input.addEventListener("change", function () {
      Array.prototype.forEach.call(input.files, function (file) {
        add(file, relative(file.webkitRelativePath || ""));
      });
      input.value = ""; // the same selection again is offered again
    });
  });

  // A dropped folder arrives as a directory entry to walk (readEntries gives at most 100 at a time).
  function walk(item) {
    if (item.isFile) {
      return new Promise(function (resolve) {
        item.file(function (file) { add(file, relative(item.fullPath.replace(/^\//, ""))); resolve(); }, resolve);
      });
    }
    if (!item.isDirectory) return Promise.resolve();
    var reader = item.createReader();
    var children = [];
    return new Promise(function (resolve) {
      (function more() {
        reader.readEntries(function (batch) {
          if (!batch.length) return resolve(Promise.all(children));
          batch.forEach(function (child) { children.push(walk(child)); });
          more();
        }, resolve);
      })();
    });
  }

  form.addEventListener("dragover", function (event) {
    event.preventDefault();
    form.classList.add("dragging");
  });
  form.addEventListener("dragleave", function () { form.classList.remove("dragging"); });
  form.addEventListener("drop", function (event) {
    event.preventDefault();
    form.classList.remove("dragging");
    var transfer = event.dataTransfer;
    // The item list is only readable during the event: take the entries now.
    var roots = Array.prototype.map.call(transfer.items || [], function (item) {
      return item.webkitGetAsEntry ? item.webkitGetAsEntry() : null;
    }).filter(Boolean);
    if (roots.length) roots.forEach(walk);
    else Array.prototype.forEach.call(transfer.files, function (file) { add(file, ""); });
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault(); // the files go by tus, not in the form's own POST
    started = true;
    resumeAll();
  });

  Array.prototype.forEach.call(form.querySelectorAll("[data-upload-action]"), function (button) {
    button.addEventListener("click", function (event) {
      event.preventDefault();
      if (button.dataset.uploadAction === "pause") abortAll();
      else resumeAll();
    });
  });

  // A form that must not be sent twice (the links form): one click, one submission.
  Array.prototype.forEach.call(document.querySelectorAll("form[data-once-form]"), function (once) {
    once.addEventListener("submit", function () {
      Array.prototype.forEach.call(once.querySelectorAll("button[type=submit]"), function (b) {
        b.disabled = true;
      });
    });
  });

  // tus gives up while the browser says it is offline; carry on when the link returns.
  window.addEventListener("online", resumeAll);

  window.marsadUpload = {
    abortAll: abortAll,
    resumeAll: resumeAll,
    entries: function () {
      return entries.map(function (e) {
        return {name: e.name, status: e.status, sent: e.sent, size: e.file.size, id: e.id};
      });
    }
  };
})();
