import { describe, expect, it } from 'vitest';
import { findAuth } from './pull.js';

describe('findAuth', () => {
  const hub = { username: 'hub', password: 'a' };
  const gitlab = { username: 'gl', password: 'b' };

  it('finds credentials by registry host, however the key is written', () => {
    const registries = { 'https://index.docker.io/v1/': hub, 'registry.gitlab.example.com': gitlab };
    expect(findAuth(registries, 'docker.io')).toBe(hub);
    expect(findAuth(registries, 'registry.gitlab.example.com')).toBe(gitlab);
    expect(findAuth({ 'https://registry.gitlab.example.com/': gitlab }, 'registry.gitlab.example.com')).toBe(
      gitlab,
    );
  });

  it('matches Docker Hub under any of its names, and a host with its port', () => {
    for (const key of [
      'docker.io',
      'index.docker.io',
      'registry-1.docker.io',
      'https://index.docker.io/v1/',
    ]) {
      expect(findAuth({ [key]: hub }, 'docker.io'), key).toBe(hub);
      expect(findAuth({ [key]: hub }, 'index.docker.io'), key).toBe(hub);
    }
    const local = { 'localhost:5000': gitlab, 'Registry.Example.com:5000': hub };
    expect(findAuth(local, 'localhost:5000')).toBe(gitlab);
    expect(findAuth(local, 'localhost')).toBeUndefined();
    expect(findAuth(local, 'registry.example.com:5000')).toBe(hub);
    expect(findAuth(local, 'registry.example.com')).toBeUndefined();
  });

  it('sends nothing to a registry it has no credentials for', () => {
    expect(findAuth({ 'registry.gitlab.example.com': gitlab }, 'docker.io')).toBeUndefined();
    expect(findAuth(undefined, 'docker.io')).toBeUndefined();
  });
});
