/** The key that signs per-ticket reply addresses. */
export interface SecretSource {
  replyTokenKey(): Promise<string>;
}
