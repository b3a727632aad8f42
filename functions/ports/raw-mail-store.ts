/** Where SES put the raw mail. */
export interface RawMailStore {
  get(key: string): Promise<Buffer>;
}
