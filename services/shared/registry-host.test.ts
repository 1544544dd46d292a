import { describe, expect, it } from 'vitest';
import { imageRegistryHost, registryHost } from './registry-host.js';

describe('registry hosts as Docker reads them', () => {
  it('finds the registry of an image reference', () => {
    const cases: [string, string][] = [
      ['alpine', 'docker.io'],
      ['alpine:3.19', 'docker.io'],
      ['library/alpine@sha256:abc', 'docker.io'],
      ['plugins/docker:20', 'docker.io'],
      ['docker.io/library/alpine', 'docker.io'],
      ['index.docker.io/team/app:1', 'docker.io'],
      ['registry-1.docker.io/team/app', 'docker.io'],
      ['ghcr.io/org/tool:1', 'ghcr.io'],
      ['registry.example.com:5000/team/app:1', 'registry.example.com:5000'],
      ['127.0.0.1:5000/app', '127.0.0.1:5000'],
      ['localhost:5000/x', 'localhost:5000'],
      ['localhost/x', 'localhost'],
      ['Registry.Example.com/team/app', 'registry.example.com'],
      ['MyHost/app', 'myhost'],
      ['team/app:1.2', 'docker.io'],
    ];
    for (const [image, host] of cases) expect(imageRegistryHost(image), image).toBe(host);
  });

  it('reads the host of a credential however it is written', () => {
    const cases: [string, string][] = [
      ['docker.io', 'docker.io'],
      ['https://index.docker.io/v1/', 'docker.io'],
      ['index.docker.io', 'docker.io'],
      ['registry-1.docker.io', 'docker.io'],
      ['https://registry.example.com/', 'registry.example.com'],
      ['http://localhost:5000/v2/', 'localhost:5000'],
      ['Registry.Example.com:5000', 'registry.example.com:5000'],
      [' registry.example.com ', 'registry.example.com'],
    ];
    for (const [address, host] of cases) expect(registryHost(address), address).toBe(host);
  });
});
