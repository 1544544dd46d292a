/**
 * A private Docker registry for tests: a Registry HTTP API v2 server on
 * 127.0.0.1 (which Docker reaches over plain HTTP) that serves one image,
 * made from a local one with `docker save` plus a layer of the test's
 * files (so each registry's image is new to the Docker host), and answers
 * only requests with
 * the right Basic credentials. It records the Authorization header of every
 * request, so tests can say which credentials Docker sent.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';

const run = promisify(execFile);

const MANIFEST_TYPE = 'application/vnd.docker.distribution.manifest.v2+json';

interface Blob {
  digest: string;
  bytes: Buffer;
}

function blob(bytes: Buffer): Blob {
  return { digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`, bytes };
}

/** The regular files of a tar archive by name (what `docker save` writes). */
function untar(tar: Buffer): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  let at = 0;
  while (at + 512 <= tar.length) {
    const header = tar.subarray(at, at + 512);
    if (header.every((b) => b === 0)) break;
    const field = (from: number, len: number) =>
      header
        .subarray(from, from + len)
        .toString('utf8')
        .replace(/\0.*$/s, '');
    const prefix = field(345, 155);
    const name = prefix === '' ? field(0, 100) : `${prefix}/${field(0, 100)}`;
    const size = Number.parseInt(field(124, 12).trim() || '0', 8);
    const type = field(156, 1);
    if (type === '0' || type === '') files.set(name, tar.subarray(at + 512, at + 512 + size));
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}

/** A tar archive of regular files (mode 0644) under the given paths. */
function tar(files: Record<string, string>): Buffer {
  const parts: Buffer[] = [];
  for (const [path, text] of Object.entries(files)) {
    const body = Buffer.from(text);
    const header = Buffer.alloc(512);
    const put = (value: string, at: number, len: number) => header.write(value, at, len, 'utf8');
    put(path.replace(/^\//, ''), 0, 100);
    put('0000644\0', 100, 8);
    put('0000000\0', 108, 8);
    put('0000000\0', 116, 8);
    put(`${body.length.toString(8).padStart(11, '0')}\0`, 124, 12);
    put(
      `${Math.floor(Date.now() / 1000)
        .toString(8)
        .padStart(11, '0')}\0`,
      136,
      12,
    );
    put('        ', 148, 8);
    put('0', 156, 1);
    put('ustar\0', 257, 6);
    put('00', 263, 2);
    const sum = header.reduce((a, b) => a + b, 0);
    put(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8);
    parts.push(header, body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

/**
 * The config and gzipped layers of a local image plus one layer with
 * `files`, as a registry serves them.
 */
async function imageBlobs(
  source: string,
  files: Record<string, string>,
): Promise<{ config: Blob; layers: Blob[] }> {
  const { stdout } = await run('docker', ['save', source], {
    encoding: 'buffer',
    maxBuffer: 256 * 1024 * 1024,
  });
  const saved = untar(stdout);
  const [entry] = JSON.parse(saved.get('manifest.json')?.toString('utf8') ?? '[]') as {
    Config: string;
    Layers: string[];
  }[];
  const configText = entry === undefined ? undefined : saved.get(entry.Config);
  if (entry === undefined || configText === undefined) throw new Error(`docker save ${source}: no manifest`);
  const layers = entry.Layers.map((name) => {
    const layer = saved.get(name);
    if (layer === undefined) throw new Error(`docker save ${source}: no layer ${name}`);
    return blob(gzipSync(layer));
  });
  const extra = tar(files);
  layers.push(blob(gzipSync(extra)));
  const config = JSON.parse(configText.toString('utf8')) as {
    rootfs: { diff_ids: string[] };
    history?: { created: string; created_by: string }[];
  };
  config.rootfs.diff_ids.push(blob(extra).digest);
  config.history?.push({ created: new Date().toISOString(), created_by: 'private registry test layer' });
  return { config: blob(Buffer.from(JSON.stringify(config))), layers };
}

export interface PrivateRegistry {
  /** 'host:port' */
  host: string;
  /** The image it serves, e.g. '127.0.0.1:41234/team/private:1'. */
  image: string;
  /** The Authorization header of every request, in order (undefined: none). */
  seen: (string | undefined)[];
  /** True once Docker has fetched a layer, that is, pulled for real. */
  servedLayers: () => boolean;
  /** Removes the pulled image from the Docker host and stops the server. */
  close: () => Promise<void>;
}

export async function startPrivateRegistry(opts: {
  username: string;
  password: string;
  /** A local image whose content is served. */
  source: string;
  /** Repository and tag under which it is served, e.g. 'team/private:1'. */
  as: string;
  /** Files added to the image in a layer of its own: path → content. */
  files: Record<string, string>;
}): Promise<PrivateRegistry> {
  const { config, layers } = await imageBlobs(opts.source, opts.files);
  const [repository, tag] = opts.as.split(':') as [string, string];
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MANIFEST_TYPE,
      config: {
        mediaType: 'application/vnd.docker.container.image.v1+json',
        size: config.bytes.length,
        digest: config.digest,
      },
      layers: layers.map((l) => ({
        mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
        size: l.bytes.length,
        digest: l.digest,
      })),
    }),
  );
  const manifestDigest = blob(manifest).digest;
  const blobs = new Map([config, ...layers].map((b) => [b.digest, b.bytes]));
  const layerDigests = new Set(layers.map((l) => l.digest));
  const expected = `Basic ${Buffer.from(`${opts.username}:${opts.password}`).toString('base64')}`;
  const seen: (string | undefined)[] = [];
  let layersServed = false;

  const send = (req: IncomingMessage, res: ServerResponse, type: string, body: Buffer, digest?: string) => {
    res.writeHead(200, {
      'Content-Type': type,
      'Content-Length': body.length,
      'Docker-Distribution-API-Version': 'registry/2.0',
      ...(digest === undefined ? {} : { 'Docker-Content-Digest': digest }),
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
  const notFound = (res: ServerResponse, code: string) => {
    res.writeHead(404, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ errors: [{ code, message: code.toLowerCase().replace('_', ' ') }] }));
  };

  const server = createServer((req, res) => {
    seen.push(req.headers.authorization);
    if (req.headers.authorization !== expected) {
      res.writeHead(401, {
        'WWW-Authenticate': 'Basic realm="private"',
        'Docker-Distribution-API-Version': 'registry/2.0',
        'Content-Type': 'application/json',
      });
      res.end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
      return;
    }
    const path = new URL(req.url ?? '/', 'http://registry').pathname;
    if (path === '/v2/') return send(req, res, 'application/json', Buffer.from('{}'));
    const m = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(path);
    if (m === null || m[1] !== repository) return notFound(res, 'NAME_UNKNOWN');
    const [, , kind, ref] = m;
    if (kind === 'manifests') {
      if (ref !== tag && ref !== manifestDigest) return notFound(res, 'MANIFEST_UNKNOWN');
      return send(req, res, MANIFEST_TYPE, manifest, manifestDigest);
    }
    const bytes = blobs.get(ref ?? '');
    if (bytes === undefined) return notFound(res, 'BLOB_UNKNOWN');
    if (req.method === 'GET' && layerDigests.has(ref ?? '')) layersServed = true;
    return send(req, res, 'application/octet-stream', bytes, ref);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  const image = `${host}/${opts.as}`;
  return {
    host,
    image,
    seen,
    servedLayers: () => layersServed,
    close: async () => {
      await run('docker', ['image', 'rm', '--force', image]).catch(() => undefined);
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
