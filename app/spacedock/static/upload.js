// Chunked upload, as SpaceDock's Dropzone client does it: 2 MiB chunks sent one
// after another (parallelChunkUploads: false) with the dz* form fields.
"use strict";
const CHUNK_BYTES = 2 * 1024 * 1024;

async function uploadInChunks(form) {
  const file = form.elements.zipball.files[0];
  const total = Math.max(1, Math.ceil(file.size / CHUNK_BYTES));
  const uploadId = crypto.randomUUID();
  const progress = form.querySelector("progress");
  let answer = null;
  for (let index = 0; index < total; index++) {
    const body = new FormData();
    for (const field of ["name", "short_description", "version", "changelog"]) {
      if (form.elements[field]) body.append(field, form.elements[field].value);
    }
    const offset = index * CHUNK_BYTES;
    body.append("dzuuid", uploadId);
    body.append("dzchunkindex", index);
    body.append("dztotalchunkcount", total);
    body.append("dzchunkbyteoffset", offset);
    body.append("dztotalfilesize", file.size);
    body.append("zipball", file.slice(offset, offset + CHUNK_BYTES), file.name);
    const response = await fetch(form.dataset.url, {method: "POST", body, credentials: "same-origin"});
    // a proxy's own error page is not JSON (SpaceDock #208): say its status instead
    answer = await response.json().catch(() => ({reason: `${response.status} ${response.statusText}`}));
    if (!response.ok && response.status !== 202) throw new Error(answer.reason || response.statusText);
    progress.value = (index + 1) / total;
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
  const result = form.querySelector(".result");
  result.textContent = "Uploading…";
  try {
    const answer = await uploadInChunks(form);
    window.location = answer.url;
  } catch (error) {
    result.textContent = `Upload refused: ${error.message}`;
    button.disabled = false;
  }
});
