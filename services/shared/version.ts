/** Hangar's version, reported by `hangar --version`, the API and runners. */
export const VERSION = '0.1.0';
