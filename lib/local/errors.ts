/** A port the local stack wants is taken (by another stack or another program). */
export class PortInUseError extends Error {
  constructor(
    readonly service: string,
    readonly port: number,
    readonly envVar: string,
  ) {
    super(
      `port ${port} (${service}) is already in use: stop whatever uses it (another local stack?) or set ${envVar} to another port`,
    );
    this.name = 'PortInUseError';
  }
}

/** The local stack cannot start for a reason the operator can fix (message says how). */
export class LocalStackError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LocalStackError';
  }
}
