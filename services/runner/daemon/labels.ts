/**
 * Whether this runner may take a job: every label the job asks for must be
 * one of the runner's, with the same value. A job that asks for nothing runs
 * anywhere in its platform's pool.
 */
export function labelsMatch(
  wanted: Readonly<Record<string, string>> | undefined,
  have: Readonly<Record<string, string>>,
): boolean {
  if (wanted === undefined) return true;
  return Object.entries(wanted).every(([k, v]) => have[k] === v);
}

/** The labels a job asks for that this runner lacks, as 'key=value' (for logs). */
export function missingLabels(
  wanted: Readonly<Record<string, string>> | undefined,
  have: Readonly<Record<string, string>>,
): string[] {
  return Object.entries(wanted ?? {})
    .filter(([k, v]) => have[k] !== v)
    .map(([k, v]) => `${k}=${v}`);
}
