// The sim's /v1/files: uploads (multipart, as the openai SDK sends them) and generated batch outputs, kept in memory.

export interface SimFile {
  id: string;
  bytes: Buffer;
  filename: string;
  purpose: string;
  createdAt: number;
}

export interface SimFileStore {
  add(bytes: Buffer, filename: string, purpose: string): SimFile;
  get(id: string): SimFile | undefined;
}

export function createFileStore(): SimFileStore {
  const files = new Map<string, SimFile>();
  let sequence = 0;
  return {
    add(bytes, filename, purpose) {
      const file: SimFile = { id: `file-sim${(++sequence).toString(36).padStart(6, '0')}`, bytes, filename, purpose, createdAt: Math.floor(Date.now() / 1000) };
      files.set(file.id, file);
      return file;
    },
    get: (id) => files.get(id),
  };
}

/** OpenAI's File object. */
export function fileObject(file: SimFile): object {
  return {
    id: file.id,
    object: 'file',
    bytes: file.bytes.length,
    created_at: file.createdAt,
    filename: file.filename,
    purpose: file.purpose,
    status: 'processed',
    status_details: null,
  };
}

export type Upload = { ok: true; bytes: Buffer; filename: string; purpose: string } | { ok: false; message: string; param: string | null };

/** Parses a multipart/form-data upload with the platform's own parser (undici's Request.formData). */
export async function parseUpload(contentType: string | undefined, body: Buffer): Promise<Upload> {
  if (!contentType?.toLowerCase().startsWith('multipart/form-data')) {
    return { ok: false, message: 'Expected a multipart/form-data body with "file" and "purpose".', param: null };
  }
  let form: FormData;
  try {
    form = await new Request('http://sim/v1/files', { method: 'POST', headers: { 'content-type': contentType }, body: new Uint8Array(body) }).formData();
  } catch (error) {
    return { ok: false, message: `Could not parse the multipart body: ${(error as Error).message}`, param: null };
  }
  const purpose = form.get('purpose');
  const file = form.get('file');
  if (typeof purpose !== 'string' || purpose.length === 0) return { ok: false, message: "Missing required parameter: 'purpose'.", param: 'purpose' };
  if (file === null || typeof file === 'string') return { ok: false, message: "Missing required parameter: 'file'.", param: 'file' };
  return { ok: true, bytes: Buffer.from(await file.arrayBuffer()), filename: file.name || 'upload.jsonl', purpose };
}
