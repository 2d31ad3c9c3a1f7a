// Chunked upload, as SpaceDock's Dropzone client does it: 2 MiB chunks sent one
// after another (parallelChunkUploads: false) with the dz* form fields. The
// progress bar follows the bytes as they go and is full when the last one has
// been sent; the result line says what the server answered.
"use strict";
const CHUNK_BYTES = 2 * 1024 * 1024;

// One chunk; resolves with the server's JSON answer, or a reason made from the
// status when the answer is not JSON (a proxy's own error page, SpaceDock #208).
function sendChunk(url, body, onProgress) {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("POST", url);
    request.upload.addEventListener("progress", (event) => onProgress(event.loaded));
    request.addEventListener("load", () => {
      let answer;
      try {
        answer = JSON.parse(request.responseText);
      } catch {
        answer = {error: true, reason: `${request.status} ${request.statusText}`};
      }
      if (request.status >= 200 && request.status < 300) resolve(answer);
      else reject(new Error(answer.reason || `${request.status} ${request.statusText}`));
    });
    request.addEventListener("error", () => reject(new Error("the connection to the server failed")));
    request.send(body);
  });
}

async function uploadInChunks(form, showProgress) {
  const file = form.elements.zipball.files[0];
  const total = Math.max(1, Math.ceil(file.size / CHUNK_BYTES));
  const uploadId = crypto.randomUUID();
  let answer = null;
  for (let index = 0; index < total; index++) {
    const body = new FormData();
    for (const field of ["name", "short_description", "version", "changelog"]) {
      if (form.elements[field]) body.append(field, form.elements[field].value);
    }
    const offset = index * CHUNK_BYTES;
    const chunk = file.slice(offset, offset + CHUNK_BYTES);
    body.append("dzuuid", uploadId);
    body.append("dzchunkindex", index);
    body.append("dztotalchunkcount", total);
    body.append("dzchunkbyteoffset", offset);
    body.append("dztotalfilesize", file.size);
    body.append("zipball", chunk, file.name);
    // the upload event counts the whole request; the chunk's share of it is enough here
    answer = await sendChunk(form.dataset.url, body,
                             (loaded) => showProgress(offset + Math.min(loaded, chunk.size), file.size));
    showProgress(offset + chunk.size, file.size);
  }
  return answer;
}

// One upload per click: the button stays disabled while the chunks go (a
// second click would start a second upload of the same file), and comes back
// only if the upload is refused.
document.getElementById("upload").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  const button = form.querySelector("button");
  if (button.disabled) return;
  button.disabled = true;
  const progress = form.querySelector("progress");
  const result = form.querySelector(".result");
  result.classList.remove("error");
  result.textContent = "Uploading…";
  const showProgress = (sent, size) => {
    progress.value = size ? sent / size : 1;
    result.textContent = sent < size ? `Uploading… ${Math.floor(100 * sent / size)} %` : "Uploaded; checking the zip…";
  };
  try {
    const answer = await uploadInChunks(form, showProgress);
    result.textContent = `Uploaded ${answer.name} ${answer.version}; opening its page…`;
    window.location = answer.url;
  } catch (error) {
    result.classList.add("error");
    result.textContent = `Upload refused: ${error.message}`;
    progress.value = 0;
    button.disabled = false;
  }
});
