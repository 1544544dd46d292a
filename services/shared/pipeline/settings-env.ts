/**
 * Plugin settings to PLUGIN_* variables, as Drone's runners encode them:
 * the key upper-cased; strings, numbers and booleans as text; a list of
 * scalars joined with commas (what plugins such as plugins/docker parse for
 * `tags:`); any other list or mapping as JSON.
 */

export function settingsToEnv(settings: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(settings)) {
    if (value === null || value === undefined) continue;
    out[`PLUGIN_${key.toUpperCase()}`] = encodeSetting(value);
  }
  return out;
}

export function encodeSetting(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (
    Array.isArray(value) &&
    value.every((v) => v === null || ['string', 'number', 'boolean'].includes(typeof v))
  ) {
    return value.filter((v) => v !== null).join(',');
  }
  return JSON.stringify(value);
}
