import { describe, expect, it } from 'vitest';
import { ConfigError, HangarError } from '../../shared/errors.js';
import { paramsOf } from '../commands/build.js';
import { timeoutMinutes } from '../commands/repo.js';
import { DEFAULT_SERVER, readClientConfig } from './config.js';
import { details, table, took } from './table.js';

describe('readClientConfig', () => {
  it('takes HANGAR_SERVER with or without a scheme, and HANGAR_TOKEN', () => {
    expect(readClientConfig({ HANGAR_SERVER: 'https://ci.example.com/', HANGAR_TOKEN: 't' })).toMatchObject({
      server: 'https://ci.example.com',
      token: 't',
    });
    expect(readClientConfig({ HANGAR_SERVER: 'ci.example.com:8000', HANGAR_TOKEN: 't' }).server).toBe(
      'http://ci.example.com:8000',
    );
    expect(readClientConfig({ HANGAR_TOKEN: 't' }).server).toBe(DEFAULT_SERVER);
  });

  it('names the variable that is missing or wrong', () => {
    expect(() => readClientConfig({ HANGAR_SERVER: 'http://x' })).toThrow(
      new ConfigError('HANGAR_TOKEN', "is not set; set it to the server's HANGAR_ADMIN_TOKEN"),
    );
    expect(() => readClientConfig({ HANGAR_SERVER: 'ftp://x', HANGAR_TOKEN: 't' })).toThrow(
      /^HANGAR_SERVER: 'ftp:\/\/x' is not a URL/,
    );
  });
});

describe('option values', () => {
  it.each([
    ['90', 90],
    ['90m', 90],
    ['1h30m', 90],
    ['2h', 120],
  ])('--timeout %s is %i minutes', (text, minutes) => {
    expect(timeoutMinutes(text)).toBe(minutes);
  });

  it.each(['0', '30s', 'soon', '-5', '1.5'])('--timeout %s is refused', (text) => {
    expect(() => timeoutMinutes(text)).toThrow(HangarError);
  });

  it('--param KEY=VALUE pairs, values may hold =', () => {
    expect(paramsOf(['A=1', 'B=x=y', 'C='])).toEqual({ A: '1', B: 'x=y', C: '' });
    expect(paramsOf([])).toBeUndefined();
    expect(() => paramsOf(['=1'])).toThrow("--param '=1' is not KEY=VALUE");
  });
});

describe('tables', () => {
  it('pads columns to the widest cell and shows missing values as -', () => {
    expect(
      table(
        ['name', 'active', 'n'],
        [
          ['acme/app', true, 3],
          ['a', false, null],
        ],
      ),
    ).toBe('NAME      ACTIVE  N\nacme/app  yes     3\na         no      -\n');
  });

  it('aligns key: value lines', () => {
    expect(
      details([
        ['Build', 'acme/app #1'],
        ['Took', '8s'],
      ]),
    ).toBe('Build: acme/app #1\nTook:  8s\n');
  });

  it('writes durations in seconds, minutes and hours', () => {
    const t0 = '2024-05-01T10:00:00.000Z';
    expect(took(t0, '2024-05-01T10:00:42.000Z')).toBe('42s');
    expect(took(t0, '2024-05-01T10:03:05.000Z')).toBe('3m05s');
    expect(took(t0, '2024-05-01T12:07:00.000Z')).toBe('2h07m');
    expect(took(t0, null)).toBe('-');
  });
});
