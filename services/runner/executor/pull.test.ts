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

  it('sends nothing to a registry it has no credentials for', () => {
    expect(findAuth({ 'registry.gitlab.example.com': gitlab }, 'docker.io')).toBeUndefined();
    expect(findAuth(undefined, 'docker.io')).toBeUndefined();
  });
});
