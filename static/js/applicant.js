// Applicant pages, progressively enhanced: every form also works without this script.
// - language picker: switch on change;
// - start page: the issuing country is implied by an Emirates ID or a Chinese resident ID;
// - upload forms: instant preview, client-side checks (type, size, dimensions; the server stays
//   authoritative), drag and drop, an upload progress bar, the server's message in place;
// - in-page camera: a live view with a document-shaped frame and hints, a still at full resolution;
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

  // --- in-page camera -----------------------------------------------------------------------
  // Where getUserMedia exists (a secure page, a browser that has it) each side gets a camera
  // button: a live view with a frame the shape of the document, hints from the live picture
  // (too dark, hold still, move closer), and a still taken at the sensor's full resolution
  // (ImageCapture.takePhoto where the browser has it, else the largest video frame). The still
  // goes through the same checks and upload as a chosen file; the file input stays beside it.
  const camera = document.getElementById("camera");
  const cameraState = { stream: null, form: null, timer: null, last: null };

  function cameraHint(message) {
    camera.querySelector(".camera-hint").textContent = message;
  }

  function cameraClose() {
    if (cameraState.timer) clearInterval(cameraState.timer);
    if (cameraState.stream) cameraState.stream.getTracks().forEach(function (track) { track.stop(); });
    cameraState.stream = null;
    cameraState.timer = null;
    cameraState.last = null;
    camera.querySelector(".camera-video").srcObject = null;
    camera.hidden = true;
    const opener = cameraState.form && cameraState.form.querySelector(".camera-open");
    if (opener) opener.focus();
  }

  // Hints from a small copy of the live picture: mean brightness, change since the last look,
  // and how much of the frame the detailed (printed) part spans.
  function cameraLook() {
    const video = camera.querySelector(".camera-video");
    if (!video.videoWidth) return;
    const w = 64;
    const h = Math.round((w * video.videoHeight) / video.videoWidth);
    const canvas = document.createElement("canvas");
    canvas.width = w;
    canvas.height = h;
    const context = canvas.getContext("2d", { willReadFrequently: true });
    context.drawImage(video, 0, 0, w, h);
    const pixels = context.getImageData(0, 0, w, h).data;
    const grey = new Float32Array(w * h);
    let sum = 0;
    for (let i = 0; i < w * h; i++) {
      grey[i] = 0.299 * pixels[4 * i] + 0.587 * pixels[4 * i + 1] + 0.114 * pixels[4 * i + 2];
      sum += grey[i];
    }
    const d = camera.dataset;
    let moved = 0;
    if (cameraState.last && cameraState.last.length === grey.length) {
      for (let i = 0; i < grey.length; i++) moved += Math.abs(grey[i] - cameraState.last[i]);
      moved /= grey.length;
    }
    cameraState.last = grey;
    let minX = w, maxX = -1;
    for (let y = 1; y < h - 1; y++) {
      for (let x = 1; x < w - 1; x++) {
        const i = y * w + x;
        if (Math.abs(grey[i + 1] - grey[i - 1]) + Math.abs(grey[i + w] - grey[i - w]) > 40) {
          if (x < minX) minX = x;
          if (x > maxX) maxX = x;
        }
      }
    }
    let hint = d.msgReady;
    if (sum / (w * h) < 60) hint = d.msgDark;
    else if (moved > 12) hint = d.msgStill;
    else if (maxX < 0) hint = d.msgFrame;
    else if (maxX - minX < 0.5 * w) hint = d.msgCloser;
    camera.dataset.hint = hint === d.msgReady ? "ready" : hint === d.msgDark ? "dark" : hint === d.msgStill ? "still" : hint === d.msgFrame ? "frame" : "closer";
    cameraHint(hint);
  }

  async function cameraOpen(form) {
    const d = camera.dataset;
    cameraState.form = form;
    camera.querySelector(".camera-title").textContent = form.closest(".side").querySelector("h2").textContent;
    camera.dataset.shape = form.querySelector(".camera-open").dataset.shape;
    camera.hidden = false;
    cameraHint(d.msgFrame);
    try {
      // Ask for far more than any sensor has: the browser picks the largest it can give.
      cameraState.stream = await navigator.mediaDevices.getUserMedia({
        audio: false,
        // A selfie is taken with the front camera, a document with the back one.
        video: { facingMode: { ideal: camera.dataset.shape === "face" ? "user" : "environment" }, width: { ideal: 4096 }, height: { ideal: 3072 } },
      });
    } catch (error) {
      camera.hidden = true;
      showError(form, d.msgFailed);
      return;
    }
    const video = camera.querySelector(".camera-video");
    video.srcObject = cameraState.stream;
    cameraState.timer = setInterval(cameraLook, 350);
    camera.querySelector(".camera-shoot").focus();
  }

  async function cameraStill() {
    const track = cameraState.stream && cameraState.stream.getVideoTracks()[0];
    if (!track) return null;
    if (typeof window.ImageCapture === "function") {
      try {
        return await new window.ImageCapture(track).takePhoto();
      } catch (error) { /* some cameras refuse stills: take the video frame */ }
    }
    const video = camera.querySelector(".camera-video");
    const canvas = document.createElement("canvas");
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    canvas.getContext("2d").drawImage(video, 0, 0);
    return new Promise(function (resolve) { canvas.toBlob(resolve, "image/jpeg", 0.92); });
  }

  if (camera && config && navigator.mediaDevices && typeof navigator.mediaDevices.getUserMedia === "function") {
    document.querySelectorAll(".upload-form .camera-open").forEach(function (button) {
      button.addEventListener("click", function () { cameraOpen(button.form); });
    });
    // Offered only where there is a camera (a desktop without one keeps the file input alone).
    const offer = function (devices) {
      const any = devices.some(function (device) { return device.kind === "videoinput"; });
      document.querySelectorAll(".upload-form .camera-open").forEach(function (button) { button.hidden = !any; });
    };
    if (typeof navigator.mediaDevices.enumerateDevices === "function") {
      navigator.mediaDevices.enumerateDevices().then(offer, function () { offer([{ kind: "videoinput" }]); });
    } else {
      offer([{ kind: "videoinput" }]);
    }
    camera.querySelector(".camera-cancel").addEventListener("click", cameraClose);
    camera.addEventListener("keydown", function (event) { if (event.key === "Escape") cameraClose(); });
    camera.querySelector(".camera-shoot").addEventListener("click", async function () {
      const form = cameraState.form;
      const blob = await cameraStill();
      cameraClose();
      if (!blob) return;
      const type = blob.type || "image/jpeg";
      const file = new File([blob], "camera." + (type === "image/png" ? "png" : "jpg"), { type: type });
      if (await setChosen(form, file)) upload(form);
    });
  }

  if (config) {
    document.querySelectorAll(".upload-form").forEach(function (form) {
      const input = form.querySelector("input[type=file]");
      const zone = form.querySelector(".dropzone");
      // Dropping a file works with this script only: say so only then.
      const dropHint = zone.querySelector(".dropzone-hint");
      if (dropHint) dropHint.hidden = false;
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

  // --- liveness (head-turn) check ----------------------------------------------------------
  // The server issues a challenge (turn left then right, or the reverse) and a nonce; the front
  // camera takes a burst of frames (about ten in three seconds) while the page says which way to
  // turn; the frames go up in one request with their times from the start. The frames are sent
  // as the camera saw them (the live view is mirrored for the applicant's comfort only). The
  // server refuses a burst of the wrong shape; the face engine judges the movement after submission.
  const liveness = document.getElementById("side-liveness");
  const livenessCamera = document.getElementById("liveness-camera");
  const FRAME_COUNT = 10;
  const FRAME_INTERVAL_MS = 300;
  const FRAME_MAX_SIDE = 640;
  const livenessState = { stream: null, cancelled: false };

  function livenessError(message) {
    const box = liveness.querySelector(".client-error");
    box.textContent = message || "";
    box.hidden = !message;
  }

  function livenessClose() {
    livenessState.cancelled = true;
    if (livenessState.stream) livenessState.stream.getTracks().forEach(function (track) { track.stop(); });
    livenessState.stream = null;
    livenessCamera.querySelector(".camera-video").srcObject = null;
    livenessCamera.hidden = true;
    liveness.querySelector(".liveness-start").disabled = false;
  }

  function sleep(ms) { return new Promise(function (resolve) { setTimeout(resolve, ms); }); }

  function grabFrame(video) {
    const scale = Math.min(1, FRAME_MAX_SIDE / Math.max(video.videoWidth, video.videoHeight));
    const canvas = document.createElement("canvas");
    canvas.width = Math.round(video.videoWidth * scale);
    canvas.height = Math.round(video.videoHeight * scale);
    canvas.getContext("2d").drawImage(video, 0, 0, canvas.width, canvas.height);
    return new Promise(function (resolve) { canvas.toBlob(resolve, "image/jpeg", 0.9); });
  }

  function csrfToken() {
    const input = liveness.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  async function livenessRun() {
    const d = liveness.dataset;
    const start = liveness.querySelector(".liveness-start");
    const instruction = livenessCamera.querySelector(".liveness-instruction");
    const progress = livenessCamera.querySelector(".liveness-progress");
    livenessError("");
    start.disabled = true;
    livenessState.cancelled = false;
    let challenge;
    try {
      const response = await fetch(d.challengeUrl, {
        method: "POST", credentials: "same-origin",
        headers: { Accept: "application/json", "X-CSRFToken": csrfToken() },
      });
      challenge = await response.json();
    } catch (error) {
      start.disabled = false;
      livenessError(d.msgNetwork);
      return;
    }
    if (!challenge.ok) {
      start.disabled = false;
      livenessError(challenge.message);
      return;
    }
    livenessCamera.hidden = false;
    progress.value = 0;
    instruction.textContent = d.msgReady;
    try {
      livenessState.stream = await navigator.mediaDevices.getUserMedia({
        audio: false, video: { facingMode: { ideal: "user" }, width: { ideal: 1280 }, height: { ideal: 720 } },
      });
    } catch (error) {
      livenessClose();
      livenessError(d.msgFailed);
      return;
    }
    const video = livenessCamera.querySelector(".camera-video");
    video.srcObject = livenessState.stream;
    await new Promise(function (resolve) {
      if (video.readyState >= 2 && video.videoWidth) resolve();
      else video.addEventListener("loadeddata", resolve, { once: true });
    });
    await sleep(800); // a moment to look at the camera before the first frame
    const form = new FormData();
    form.append("nonce", challenge.nonce);
    const began = performance.now();
    for (let i = 0; i < FRAME_COUNT; i++) {
      if (livenessState.cancelled) return;
      instruction.textContent = challenge.steps[i < FRAME_COUNT / 2 ? 0 : 1];
      const target = began + i * FRAME_INTERVAL_MS;
      const wait = target - performance.now();
      if (wait > 0) await sleep(wait);
      const offset = Math.round(performance.now() - began);
      const blob = await grabFrame(video);
      if (!blob) continue;
      form.append("frame", new File([blob], "frame-" + i + ".jpg", { type: "image/jpeg" }));
      form.append("offset_ms", String(offset));
      progress.value = Math.round(((i + 1) / FRAME_COUNT) * 100);
    }
    instruction.textContent = d.msgSending;
    livenessState.stream.getTracks().forEach(function (track) { track.stop(); });
    let body = null;
    let status = 0;
    try {
      const response = await fetch(d.uploadUrl, {
        method: "POST", credentials: "same-origin", body: form,
        headers: { Accept: "application/json", "X-CSRFToken": csrfToken() },
      });
      status = response.status;
      body = await response.json();
    } catch (error) {
      body = null;
    }
    livenessClose();
    if (status === 413 || !body) {
      livenessError(d.msgNetwork);
      return;
    }
    if (!body.ok) {
      liveness.dataset.serverCode = body.code || "";
      livenessError(body.message);
      return;
    }
    liveness.classList.add("has-document");
    liveness.querySelector(".received").hidden = false;
    const submit = document.getElementById("submit-case");
    if (submit && body.all_present) delete submit.dataset.incomplete;
  }

  if (liveness && livenessCamera) {
    const start = liveness.querySelector(".liveness-start");
    liveness.querySelector(".liveness-nojs").hidden = true;
    if (navigator.mediaDevices && typeof navigator.mediaDevices.getUserMedia === "function") {
      start.hidden = false;
      start.addEventListener("click", livenessRun);
      livenessCamera.querySelector(".liveness-cancel").addEventListener("click", livenessClose);
      livenessCamera.addEventListener("keydown", function (event) { if (event.key === "Escape") livenessClose(); });
    } else {
      livenessError(liveness.dataset.msgFailed);
    }
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
        // A decision arrived while the page was open: load the page that explains it.
        if ((status.state === "approved" || status.state === "rejected") && list.dataset.moving === "true") {
          window.location.reload();
          return;
        }
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
