/* Marsad public-site verifier: a classic script (module scripts do not run from file://).
 *
 * For every published file on the page (an element with data-publog-path="<site path>"
 * and data-publog-href="<URL relative to the page>"), and any file the reader chooses or
 * drops, it checks: the file's SHA-256 is the one its public-log entry names; the entry
 * (carried in the file's .tlog-proof as c2sp.org/tlog-proof "extra") is included, by its
 * Merkle proof, in the proof's checkpoint; and that checkpoint carries an Ed25519
 * signature by the key in the page (data-publog-key, name+hash+base64).
 * WebCrypto where present; otherwise noble.min.js (@noble/ed25519, @noble/hashes), loaded
 * from this script's folder. Over http(s) it fetches the files itself; from file:// the
 * browser forbids that, so the reader chooses the site folder or drops the files here.
 * Results go to [data-publog-verifier]: data-publog-state="verified" or "failed".
 */
(function () {
  "use strict";

  var scriptSrc = document.currentScript ? document.currentScript.src : "";
  // The words shown to the reader: the page's language where it gives them (a JSON script
  // element, #publog-words, filled by the site's templates), else these. %s: a value.
  var WORDS = {
    verified: "verified", failed: "FAILED", not_chosen: "not chosen",
    summary_verified: "verified: %s file(s) are as the organisation published them",
    summary_failed: "FAILED: %s", nothing: "nothing chosen to verify",
    from_file: "Opened from a file: choose this site's folder, or drop the files with their .tlog-proof files, to verify them.",
    choose_files: "Files and their .tlog-proof:", choose_folder: "or the whole site folder:",
    changed: "its SHA-256 is not the one the log records: the file was changed",
    not_proven: "its entry is not proven to be in the signed log",
    other_file: "its proof is for another file (%s)", unreadable: "its proof is unreadable (%s)",
    cannot_read: "cannot be read (%s)", choose_proof: "choose its .tlog-proof too",
    no_key: "no log key on the page", not_signed: "the checkpoint is not signed by the log's key %s"
  };
  function loadWords() {
    var el = document.getElementById("publog-words");
    if (!el) return;
    try {
      var given = JSON.parse(el.textContent);
      Object.keys(WORDS).forEach(function (k) { if (typeof given[k] === "string") WORDS[k] = given[k]; });
    } catch (e) { /* keep the English words */ }
  }
  function t(key, value) { return WORDS[key].replace("%s", value === undefined ? "" : String(value)); }
  var engine = null; // "webcrypto" or "noble"
  var enc = new TextEncoder();

  // --- bytes -----------------------------------------------------------------------------
  function b64decode(s) {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4) throw new Error("bad base64");
    var bin = atob(s), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }
  function hex(bytes) {
    var s = "";
    for (var i = 0; i < bytes.length; i++) s += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
    return s;
  }
  function concat() {
    var n = 0, i;
    for (i = 0; i < arguments.length; i++) n += arguments[i].length;
    var out = new Uint8Array(n), at = 0;
    for (i = 0; i < arguments.length; i++) { out.set(arguments[i], at); at += arguments[i].length; }
    return out;
  }
  function equal(a, b) {
    if (a.length !== b.length) return false;
    for (var i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }

  // --- crypto: WebCrypto first, the bundled pure-JS code where it is missing --------------
  var nobleLoading = null;
  function loadNoble() {
    if (window.noble) return Promise.resolve(window.noble);
    if (!nobleLoading) {
      nobleLoading = new Promise(function (resolve, reject) {
        var s = document.createElement("script");
        s.src = scriptSrc.replace(/[^/]*$/, "noble.min.js");
        s.onload = function () { window.noble ? resolve(window.noble) : reject(new Error("noble.min.js is empty")); };
        s.onerror = function () { reject(new Error("cannot load noble.min.js (no WebCrypto either)")); };
        document.head.appendChild(s);
      });
    }
    return nobleLoading;
  }
  function subtle() { return (window.crypto && window.crypto.subtle) || null; }

  function sha256(bytes) {
    if (subtle()) return subtle().digest("SHA-256", bytes).then(function (d) { return new Uint8Array(d); });
    return loadNoble().then(function (n) { return n.sha256(bytes); });
  }

  function ed25519Verify(publicKey, message, signature) {
    function fallback() {
      return loadNoble().then(function (n) {
        engine = "noble";
        try { return n.ed.verify(signature, message, publicKey, { zip215: false }); } catch (e) { return false; }
      });
    }
    if (!subtle()) return fallback();
    return subtle().importKey("raw", publicKey, { name: "Ed25519" }, false, ["verify"]).then(function (key) {
      engine = "webcrypto";
      return subtle().verify({ name: "Ed25519" }, key, signature, message);
    }, fallback); // a browser without WebCrypto Ed25519 rejects importKey
  }

  // --- RFC 9162 inclusion --------------------------------------------------------------------
  function nodeHash(l, r) { return sha256(concat(new Uint8Array([1]), l, r)); }
  function leafHash(data) { return sha256(concat(new Uint8Array([0]), data)); }

  function verifyInclusion(index, size, leaf, proof, root) {
    // Numbers, not bit operators: indices may pass 2**31.
    if (!(index >= 0 && index < size) || leaf.length !== 32 || root.length !== 32 ||
        proof.some(function (h) { return h.length !== 32; })) return Promise.resolve(false);
    var fn = index, sn = size - 1, i = 0;
    function step(r) {
      if (i === proof.length) return sn === 0 && equal(r, root);
      if (sn === 0) return false;
      var p = proof[i++], next;
      if (fn % 2 === 1 || fn === sn) {
        next = nodeHash(p, r);
        while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
      } else {
        next = nodeHash(r, p);
      }
      fn = Math.floor(fn / 2); sn = Math.floor(sn / 2);
      return next.then(step);
    }
    return Promise.resolve(leaf).then(step);
  }

  // --- signed notes, checkpoints, proofs (C2SP) --------------------------------------------
  function parseKey(vkey) {
    var text = vkey.trim(), a = text.indexOf("+"), b = text.indexOf("+", a + 1);
    if (a < 1 || b < 0) throw new Error("malformed log key"); // base64 may hold more "+"
    var parts = [text.slice(0, a), text.slice(a + 1, b), text.slice(b + 1)];
    var raw = b64decode(parts[2]);
    if (raw.length !== 33 || raw[0] !== 1) throw new Error("the log key is not an Ed25519 key");
    return sha256(concat(enc.encode(parts[0] + "\n"), raw)).then(function (h) {
      if (hex(h.subarray(0, 4)) !== parts[1]) throw new Error("the log key's hash does not match");
      return { name: parts[0], hash: h.subarray(0, 4), publicKey: raw.subarray(1) };
    });
  }

  var opened = {};
  function openNote(note, key) {
    // resolves to the note's text when `key` signed it; rejects otherwise
    var cut = note.lastIndexOf("\n\n");
    if (cut < 0) return Promise.reject(new Error("not a signed note"));
    var text = note.slice(0, cut + 1), lines = note.slice(cut + 2).replace(/\n$/, "").split("\n");
    var tries = [];
    lines.forEach(function (line) {
      var m = /^\u2014 (\S+) (\S+)$/.exec(line);
      if (!m || m[1] !== key.name) return;
      var blob;
      try { blob = b64decode(m[2]); } catch (e) { return; }
      if (blob.length !== 68 || !equal(blob.subarray(0, 4), key.hash)) return;
      tries.push(ed25519Verify(key.publicKey, enc.encode(text), blob.subarray(4)));
    });
    return Promise.all(tries).then(function (results) {
      if (results.indexOf(true) < 0) throw new Error(t("not_signed", key.name));
      return text;
    });
  }

  function openCheckpoint(note, key) {
    if (!opened[note]) {
      opened[note] = openNote(note, key).then(function (text) {
        var l = text.split("\n");
        if (l[0] !== key.name) throw new Error("the checkpoint is another log's");
        if (!/^(0|[1-9][0-9]*)$/.test(l[1])) throw new Error("malformed checkpoint");
        return { size: Number(l[1]), root: b64decode(l[2]) };
      });
    }
    return opened[note];
  }

  function parseProof(text) {
    var cut = text.indexOf("\n\n");
    var lines = text.slice(0, cut).split("\n");
    if (cut < 0 || lines[0] !== "c2sp.org/tlog-proof@v1" || !/^extra /.test(lines[1] || "") ||
        !/^index (0|[1-9][0-9]*)$/.test(lines[2] || "")) throw new Error("not a tlog-proof with its entry");
    return { extra: b64decode(lines[1].slice(6)), index: Number(lines[2].slice(6)),
             hashes: lines.slice(3).map(b64decode), checkpoint: text.slice(cut + 2) };
  }

  // Resolves to null when `bytes` is the published file `path`, proven by `proofText`
  // in a checkpoint signed by `key`; to the reason otherwise.
  function verifyFile(path, bytes, proofText, key) {
    var proof, entry;
    try {
      proof = parseProof(proofText);
      entry = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(proof.extra));
    } catch (e) { return Promise.resolve(t("unreadable", e.message)); }
    if (entry.path !== path) return Promise.resolve(t("other_file", entry.path));
    return sha256(bytes).then(function (digest) {
      if (hex(digest) !== entry.sha256) return t("changed");
      return openCheckpoint(proof.checkpoint, key).then(function (cp) {
        return leafHash(proof.extra).then(function (leaf) {
          return verifyInclusion(proof.index, cp.size, leaf, proof.hashes, cp.root);
        }).then(function (ok) { return ok ? null : t("not_proven"); });
      }, function (e) { return e.message; });
    });
  }

  // --- the page ---------------------------------------------------------------------------------
  function items() {
    var list = [], seen = {};
    var self = document.querySelector("meta[name=publog-self]");
    if (self) list.push({ path: self.content, href: location.href.split("#")[0] });
    Array.prototype.forEach.call(document.querySelectorAll("[data-publog-path]"), function (el) {
      var path = el.getAttribute("data-publog-path");
      var href = el.getAttribute("data-publog-href") || el.getAttribute("href") || el.getAttribute("src");
      if (!seen[path] && href) { seen[path] = 1; list.push({ path: path, href: href }); }
    });
    return list;
  }

  function readBlob(blob) {
    return blob.arrayBuffer().then(function (b) { return new Uint8Array(b); });
  }
  function fetchBytes(url) {
    return fetch(url, { cache: "no-store" }).then(function (r) {
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.arrayBuffer();
    }).then(function (b) { return new Uint8Array(b); });
  }

  // chosen files, looked up by site path (folder upload) or by name
  function chosenSource(files) {
    function find(path) {
      var name = path.split("/").pop(), byName = null;
      for (var i = 0; i < files.length; i++) {
        var rel = files[i].webkitRelativePath || "";
        if (rel && ("/" + rel).slice(-(path.length + 1)) === "/" + path) return files[i];
        if (files[i].name === name && !byName) byName = files[i];
      }
      return byName;
    }
    return function (path) {
      var file = find(path), proof = find(path + ".tlog-proof");
      if (!file) return Promise.resolve(null);
      if (!proof) return Promise.reject(new Error(t("choose_proof")));
      return Promise.all([readBlob(file), proof.text()]);
    };
  }
  function fetchSource(hrefs) {
    return function (path) {
      var url = hrefs[path];
      return Promise.all([fetchBytes(url), fetch(url + ".tlog-proof", { cache: "no-store" }).then(function (r) {
        if (!r.ok) throw new Error("its .tlog-proof is missing (HTTP " + r.status + ")");
        return r.text();
      })]);
    };
  }

  function run(box, source, extraPaths) {
    var keyEl = document.querySelector("[data-publog-key]");
    var out = box.querySelector("[data-publog-results]");
    box.setAttribute("data-publog-state", "running");
    out.textContent = "";
    if (!keyEl) return report(box, [{ path: "(page)", error: t("no_key") }], 0);
    var paths = items().map(function (it) { return it.path; }).concat(extraPaths || []);
    return Promise.resolve(keyEl.getAttribute("data-publog-key") || keyEl.textContent).then(parseKey).then(function (key) {
      return Promise.all(paths.map(function (path) {
        return source(path).then(function (got) {
          if (!got) return { path: path, skipped: true };
          return verifyFile(path, got[0], got[1], key).then(function (error) { return { path: path, error: error }; });
        }, function (e) { return { path: path, error: t("cannot_read", e.message) }; });
      }));
    }, function (e) { return [{ path: "(log key)", error: e.message }]; }).then(function (results) {
      return report(box, results);
    });
  }

  function report(box, results) {
    var out = box.querySelector("[data-publog-results]");
    var failed = results.filter(function (r) { return r.error; });
    var checked = results.filter(function (r) { return !r.skipped; });
    results.forEach(function (r) {
      var li = document.createElement("li");
      li.setAttribute("data-publog-result", r.error ? "failed" : r.skipped ? "skipped" : "verified");
      var name = document.createElement("bdi"); // a site path reads left to right, in Arabic text too
      name.setAttribute("dir", "ltr");
      name.textContent = r.path;
      li.appendChild(name);
      li.appendChild(document.createTextNode(": " + (r.error ? t("failed") + ": " + r.error
        : r.skipped ? t("not_chosen") : t("verified"))));
      out.appendChild(li);
    });
    var state = failed.length ? "failed" : checked.length ? "verified" : "idle";
    box.setAttribute("data-publog-state", state);
    if (engine) box.setAttribute("data-publog-engine", engine);
    var summary = box.querySelector("[data-publog-summary]");
    summary.textContent = failed.length
      ? t("summary_failed", failed.map(function (r) { return r.path; }).join(", "))
      : checked.length ? t("summary_verified", checked.length) : t("nothing");
    return results;
  }

  function setUp(box) {
    box.innerHTML = '<p data-publog-summary></p>' +
      '<p><label><span></span> <input type="file" multiple data-publog-files></label> ' +
      '<label><span></span> <input type="file" webkitdirectory data-publog-folder></label></p>' +
      '<ul data-publog-results></ul>';
    var labels = box.querySelectorAll("label > span");
    labels[0].textContent = t("choose_files");
    labels[1].textContent = t("choose_folder");
    var hrefs = {};
    items().forEach(function (it) { hrefs[it.path] = it.href; });
    function chosen(files) {
      files = Array.prototype.slice.call(files);
      box.setAttribute("data-publog-state", "running");
      // files the reader adds that the page does not list: verified by the path in their proof
      var extra = [];
      return Promise.all(files.filter(function (f) { return /\.tlog-proof$/.test(f.name); }).map(function (f) {
        return f.text().then(function (t) {
          try {
            var p = JSON.parse(new TextDecoder().decode(parseProof(t).extra)).path;
            if (!(p in hrefs) && extra.indexOf(p) < 0) extra.push(p);
          } catch (e) { /* reported when its file is checked */ }
        });
      })).then(function () { return run(box, chosenSource(files), extra); });
    }
    box.querySelector("[data-publog-files]").addEventListener("change", function (e) { chosen(e.target.files); });
    box.querySelector("[data-publog-folder]").addEventListener("change", function (e) { chosen(e.target.files); });
    box.addEventListener("dragover", function (e) { e.preventDefault(); });
    box.addEventListener("drop", function (e) { e.preventDefault(); chosen(e.dataTransfer.files); });
    if (/^https?:$/.test(location.protocol)) {
      run(box, fetchSource(hrefs));
    } else {
      box.setAttribute("data-publog-state", "idle");
      box.querySelector("[data-publog-summary]").textContent = t("from_file");
    }
  }

  window.PublogVerify = { verifyInclusion: verifyInclusion, openNote: openNote, parseKey: parseKey,
                          verifyFile: verifyFile, sha256: sha256, b64decode: b64decode,
                          engine: function () { return engine; } };
  function start() { loadWords(); Array.prototype.forEach.call(document.querySelectorAll("[data-publog-verifier]"), setUp); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();
