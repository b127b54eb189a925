// Applicant pages, progressively enhanced: every form also works without this script.
// - language picker: switch on change;
// - start page: the issuing country is implied by an Emirates ID or a Chinese resident ID;
// - upload forms: instant preview, client-side checks (type, size, dimensions; the server stays
//   authoritative), drag and drop, an upload progress bar, the server's message in place;
// - status page: live progress by polling the status endpoint.
(function () {
  "use strict";

  // --- language picker ---------------------------------------------------------------------
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    const form = select.form;
    const button = form && form.querySelector(".language-go");
    if (button) button.hidden = true;
    select.addEventListener("change", function () { form.submit(); });
  });

  // --- start page --------------------------------------------------------------------------
  const countryField = document.querySelector("[data-country-field]");
  if (countryField) {
    const implied = { emirates_id: "ARE", cn_resident_id: "CHN" };
    const select = countryField.querySelector("select");
    const sync = function () {
      const chosen = document.querySelector("input[name=document_type]:checked");
      const country = chosen && implied[chosen.value];
      if (country) select.value = country;
      select.disabled = Boolean(country);
    };
    document.querySelectorAll("input[name=document_type]").forEach(function (radio) {
      radio.addEventListener("change", sync);
    });
    // A disabled select is not posted: the server implies the country itself.
    sync();
    // Search by name (any part of it, accents ignored): hide the options that do not match and
    // choose the first one that does. Without this script the select still types ahead.
    const search = countryField.querySelector("[data-country-search]");
    if (search) {
      const fold = function (text) {
        return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
      };
      search.hidden = false;
      search.addEventListener("input", function () {
        const wanted = fold(search.value.trim());
        let first = null;
        Array.prototype.forEach.call(select.options, function (option) {
          const match = !wanted || (option.value && (fold(option.text).indexOf(wanted) !== -1 || option.value.toLowerCase() === wanted));
          option.hidden = !match;
          if (match && option.value && !first) first = option;
        });
        if (wanted && first && !select.disabled) select.value = first.value;
      });
    }
  }

  // --- uploads -----------------------------------------------------------------------------
  const config = document.getElementById("upload-config");
  const ACCEPTED = ["image/jpeg", "image/png", "image/bmp", "image/x-ms-bmp", "image/tiff"];

  function sniffHead(file) {
    return file.slice(0, 16).arrayBuffer().then(function (buffer) { return new Uint8Array(buffer); });
  }

  function kindFromBytes(b) {
    if (b[0] === 0x25 && b[1] === 0x50 && b[2] === 0x44 && b[3] === 0x46) return "pdf";
    if (b[4] === 0x66 && b[5] === 0x74 && b[6] === 0x79 && b[7] === 0x70) return "heic";
    return "";
  }

  function imageSize(file) {
    return new Promise(function (resolve) {
      const url = URL.createObjectURL(file);
      const img = new Image();
      img.onload = function () { resolve({ width: img.naturalWidth, height: img.naturalHeight, url: url }); };
      img.onerror = function () { resolve({ width: 0, height: 0, url: null }); URL.revokeObjectURL(url); };
      img.src = url;
    });
  }

  // Returns a message when the file is certainly refused, "" when the server should decide.
  async function clientCheck(file) {
    const d = config.dataset;
    const head = await sniffHead(file);
    const magic = kindFromBytes(head);
    const name = file.name.toLowerCase();
    if (magic === "heic" || file.type === "image/heic" || file.type === "image/heif" || /\.hei[cf]$/.test(name)) return { message: d.msgHeic };
    if (magic === "pdf" || file.type === "application/pdf") return { message: d.msgPdf };
    if (file.type && !ACCEPTED.includes(file.type)) return { message: d.msgType };
    if (file.size > Number(d.maxBytes)) return { message: d.msgSize };
    const size = await imageSize(file);
    if (size.width && size.height) {
      if (Math.max(size.width, size.height) > Number(d.maxSide) || size.width * size.height > Number(d.maxPixels)) {
        return { message: d.msgLarge, previewUrl: null };
      }
      if (Math.min(size.width, size.height) < Number(d.minSide)) return { message: d.msgSmall, previewUrl: size.url };
    }
    // A TIFF or a damaged file the browser cannot decode: the server decides and explains.
    return { message: "", previewUrl: size.url };
  }

  function showError(form, message) {
    const error = form.querySelector(".client-error");
    error.textContent = message || "";
    error.hidden = !message;
  }

  function setChosen(form, file) {
    const input = form.querySelector("input[type=file]");
    if (file && input.files[0] !== file) {
      const transfer = new DataTransfer();
      transfer.items.add(file);
      input.files = transfer.files;
    }
    return onChosen(form);
  }

  async function onChosen(form) {
    const input = form.querySelector("input[type=file]");
    const preview = form.querySelector(".preview");
    const file = input.files[0];
    showError(form, "");
    preview.hidden = true;
    if (!file) return false;
    const verdict = await clientCheck(file);
    if (verdict.previewUrl) {
      preview.src = verdict.previewUrl;
      preview.hidden = false;
    }
    form.dataset.clientOk = verdict.message ? "" : "yes";
    if (verdict.message) showError(form, verdict.message);
    return !verdict.message;
  }

  function upload(form) {
    const d = config.dataset;
    const progress = form.querySelector(".upload-progress");
    const button = form.querySelector("button[type=submit]");
    const side = form.closest(".side");
    const request = new XMLHttpRequest();
    request.open("POST", form.action);
    request.setRequestHeader("Accept", "application/json");
    request.upload.addEventListener("progress", function (event) {
      if (event.lengthComputable) progress.value = Math.round((event.loaded / event.total) * 100);
    });
    progress.value = 0;
    progress.hidden = false;
    button.disabled = true;
    button.dataset.label = button.dataset.label || button.textContent;
    button.textContent = d.msgUploading;
    request.onload = function () {
      button.disabled = false;
      button.textContent = button.dataset.label;
      progress.hidden = true;
      if (request.status === 413) {
        // Refused from its declared size before the server read it.
        showError(form, d.msgSize);
        return;
      }
      let body = null;
      try { body = JSON.parse(request.responseText); } catch (error) { body = null; }
      if (request.status === 403 || !body) {
        // The session expired or the page is stale: let the server render the answer.
        form.submit();
        return;
      }
      if (!body.ok) {
        form.querySelector(".client-error").classList.remove("upload-warning");
        showError(form, body.message);
        form.dataset.serverCode = body.code || "";
        return;
      }
      side.classList.add("has-document");
      side.classList.remove("requested");
      const badge = side.querySelector(".requested-badge");
      if (badge) badge.remove();
      side.querySelector(".received").hidden = false;
      button.dataset.label = d.msgReplace;
      button.textContent = d.msgReplace;
      form.reset();
      // A borderline photo is accepted with a warning: shown where the errors are, styled apart.
      const warnings = (body.warnings || []).join(" ");
      showError(form, warnings);
      const box = form.querySelector(".client-error");
      if (box) box.classList.toggle("upload-warning", Boolean(warnings));
      const submit = document.getElementById("submit-case");
      if (submit && body.all_present) delete submit.dataset.incomplete;
    };
    request.onerror = function () {
      button.disabled = false;
      button.textContent = button.dataset.label;
      progress.hidden = true;
      showError(form, d.msgNetwork);
    };
    request.send(new FormData(form));
  }

  if (config) {
    document.querySelectorAll(".upload-form").forEach(function (form) {
      const input = form.querySelector("input[type=file]");
      const zone = form.querySelector(".dropzone");
      input.addEventListener("change", function () { onChosen(form); });
      ["dragenter", "dragover"].forEach(function (name) {
        zone.addEventListener(name, function (event) { event.preventDefault(); zone.classList.add("dragging"); });
      });
      ["dragleave", "drop"].forEach(function (name) {
        zone.addEventListener(name, function () { zone.classList.remove("dragging"); });
      });
      zone.addEventListener("drop", function (event) {
        event.preventDefault();
        const file = event.dataTransfer.files[0];
        if (file) setChosen(form, file);
      });
      form.addEventListener("submit", async function (event) {
        event.preventDefault();
        if (!input.files[0]) return;
        if (form.dataset.clientOk !== "yes" && !(await onChosen(form))) return;
        upload(form);
      });
    });
  }

  // --- local time --------------------------------------------------------------------------
  // The server writes UTC (it does not know the applicant's time zone); the browser does: show
  // the time there, with the zone's name. Latin digits, as the server's Arabic formats use.
  document.querySelectorAll("time[data-local-time]").forEach(function (node) {
    const when = new Date(node.getAttribute("datetime"));
    if (isNaN(when.getTime())) return;
    const lang = document.documentElement.lang || "en";
    try {
      node.textContent = new Intl.DateTimeFormat(lang + "-u-nu-latn", {
        year: "numeric", month: "long", day: "numeric", hour: "2-digit", minute: "2-digit",
        hourCycle: "h23", timeZoneName: "short",
      }).format(when);
    } catch (error) { /* an old browser keeps the UTC text */ }
  });

  // --- status page -------------------------------------------------------------------------
  const list = document.getElementById("documents");
  if (list && list.dataset.statusUrl) {
    const url = list.dataset.statusUrl;
    const state = document.getElementById("case-state");
    const resubmission = document.getElementById("resubmission");
    const liveNote = document.querySelector(".live-note");
    const moving = new Set(["submitted", "processing"]);
    let delay = 1500;
    async function poll() {
      try {
        const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
        if (!response.ok) return;
        const status = await response.json();
        state.textContent = status.state_label;
        state.dataset.state = status.state;
        for (const doc of status.documents) {
          const item = list.querySelector('[data-kind="' + doc.kind + '"]');
          if (!item) continue;
          item.className = "read-" + (doc.read_state || "missing") + (doc.requested ? " requested" : "");
          const label = doc.requested ? list.dataset.msgRequested : (doc.read_state_label || "—");
          item.querySelector(".read-state").textContent = label;
        }
        if (resubmission) {
          resubmission.hidden = !status.resubmission;
          if (status.resubmission) {
            resubmission.querySelector(".reason").textContent = status.reason;
            const heading = resubmission.querySelector(".resubmission-heading");
            if (heading) heading.textContent = status.resubmission_heading;
          }
        }
        // Until a decision or a request for new images: a case a person still has to look at
        // (ready for review, needs attention) keeps updating too.
        if (moving.has(status.state) || status.state === "ready_for_review" || status.state === "needs_attention") {
          delay = Math.min(delay * 1.3, 10000);
          setTimeout(poll, delay);
        } else if (liveNote) {
          liveNote.hidden = true;
        }
      } catch (error) {
        setTimeout(poll, 5000);
      }
    }
    setTimeout(poll, 500);
  }
})();
