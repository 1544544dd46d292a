import { describe, expect, it } from 'vitest';
import { registryHost, withDefaultTag } from './engine.js';

describe('image references', () => {
  it.each([
    ['alpine', 'alpine:latest'],
    ['alpine:3.20', 'alpine:3.20'],
    ['localhost:5000/team/app', 'localhost:5000/team/app:latest'],
    ['localhost:5000/team/app:v1', 'localhost:5000/team/app:v1'],
    ['alpine@sha256:abc', 'alpine@sha256:abc'],
  ])('%s pulls as %s', (image, ref) => expect(withDefaultTag(image)).toBe(ref));

  it.each([
    ['alpine', 'docker.io'],
    ['library/alpine', 'docker.io'],
    ['index.docker.io/library/alpine', 'docker.io'],
    ['registry.gitlab.example.com/group/app:1', 'registry.gitlab.example.com'],
    ['localhost:5000/app', 'localhost:5000'],
    ['127.0.0.1:1/nope:latest', '127.0.0.1:1'],
  ])('%s comes from %s', (image, host) => expect(registryHost(image)).toBe(host));
});
