/** A mail held because SES judged it spam or a virus; an operator can release it. */
export interface QuarantineEntry {
  key: string;
  at: string;
  from?: string;
  subject?: string;
  department: string;
  reason: string;
  released?: boolean;
  releasedAt?: string;
}

/** Quarantined mail, visible to operators. */
export interface Quarantine {
  hold(entry: QuarantineEntry): Promise<void>;
  get(key: string): Promise<QuarantineEntry | undefined>;
  list(): Promise<QuarantineEntry[]>;
  /** Marks the entry released; false when there is no such entry. The caller then re-drives the object. */
  release(key: string, at: Date): Promise<boolean>;
}
