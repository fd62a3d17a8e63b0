// The part of tr46 (UTS #46, CommonJS without bundled types) that kez-core calls.
declare module 'tr46' {
  export interface Uts46Options {
    checkBidi?: boolean;
    checkHyphens?: boolean;
    checkJoiners?: boolean;
    ignoreInvalidPunycode?: boolean;
    transitionalProcessing?: boolean;
    useSTD3ASCIIRules?: boolean;
    verifyDNSLength?: boolean;
  }
  /** The A-label form, or null when processing records an error. */
  export function toASCII(domainName: string, options?: Uts46Options): string | null;
}
