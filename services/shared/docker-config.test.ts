import { describe, expect, it } from 'vitest';
import { parseDockerConfig } from './docker-config.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('parseDockerConfig', () => {
  it('reads "auth" and "username"/"password" entries, with hosts written as Docker writes them', () => {
    const got = parseDockerConfig(
      JSON.stringify({
        auths: {
          'https://index.docker.io/v1/': { auth: b64('hub:pa:ss'), email: 'x@example.com' },
          'Registry.Example.com:5000': { username: 'ci', password: 'pw' },
          'http://localhost:5000/v2/': { auth: b64('local:pw') },
        },
      }),
    );
    expect(got).toEqual({
      ok: true,
      logins: [
        { host: 'docker.io', username: 'hub', password: 'pa:ss' },
        { host: 'registry.example.com:5000', username: 'ci', password: 'pw' },
        { host: 'localhost:5000', username: 'local', password: 'pw' },
      ],
    });
  });

  it('prefers "auth" over "username"/"password", as Docker does', () => {
    const got = parseDockerConfig(
      JSON.stringify({ auths: { 'r.io': { auth: b64('a:b'), username: 'c', password: 'd' } } }),
    );
    expect(got).toEqual({ ok: true, logins: [{ host: 'r.io', username: 'a', password: 'b' }] });
  });

  it('says what is wrong without repeating the value', () => {
    const cases: [string, string][] = [
      ['{"auths": {"r.io": {"auth": "s3cret-value"', 'it is not valid JSON'],
      ['"s3cret-value"', 'it is not a JSON object'],
      ['{"s3cret-value": 1}', 'it has no "auths" object'],
      [
        '{"credsStore": "desktop", "auths": 7}',
        'it names a credential helper (credsStore) instead of holding credentials under "auths"',
      ],
      ['{"auths": {}}', 'its "auths" object is empty'],
      ['{"auths": {"r.io": "s3cret-value"}}', 'its entry for r.io is not an object'],
      [
        '{"auths": {"r.io": {"auth": "s3cret-value!"}}}',
        'its "auth" for r.io is not base64 of username:password',
      ],
      [
        `{"auths": {"r.io": {"auth": "${b64('s3cret-value')}"}}}`,
        'its "auth" for r.io is not base64 of username:password',
      ],
      [
        '{"auths": {"r.io": {"username": "s3cret-value"}}}',
        'its entry for r.io has neither "auth" nor "username" and "password"',
      ],
      [
        '{"auths": {"r.io": {"identitytoken": "s3cret-value"}}}',
        'its entry for r.io holds a token, which a pull cannot use; give "auth" or "username" and "password"',
      ],
    ];
    for (const [value, problem] of cases) {
      const got = parseDockerConfig(value);
      expect(got, value).toEqual({ ok: false, problem });
      if (!got.ok) expect(got.problem).not.toContain('s3cret');
    }
  });
});
