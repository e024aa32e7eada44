/** Stormbreaker's version; also reported as redis_version, since clients read that to pick features. */
export const VERSION = '7.0.15';
/** The package's own version. */
export const PACKAGE_VERSION = '0.1.0';
