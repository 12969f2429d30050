import type { Command } from 'commander';
import { InrecordError } from '../../errors/index.js';
import { action, globals } from '../command.js';
import { openCommandContext } from '../context.js';
import { printJson, printLine } from '../output.js';

interface AuthOptions {
  code?: string;
  refreshToken?: string;
  redirectUri?: string;
}

export function register(program: Command): void {
  program
    .command('auth')
    .description(
      're-authorise the CRM connection: print the authorise URL, then store the grant from --code or --refresh-token (replaces a revoked grant; flows resume)',
    )
    .argument('<crm>', 'the CRM of the config: hubspot, salesforce or pipedrive')
    .option('--code <code>', 'the code the authorise page redirected with: exchanged for tokens')
    .option('--refresh-token <token>', 'a refresh token the app issued: checked, then stored')
    .option(
      '--redirect-uri <url>',
      'the redirect URL registered with the app (default: crm.auth.oauth.redirectUri)',
    )
    .action(
      action(async (crm: string, opts: AuthOptions, cmd: Command) => {
        const json = Boolean(globals(cmd).json);
        if (opts.code && opts.refreshToken)
          throw new InrecordError('IR_USAGE', 'give --code or --refresh-token, not both');
        const ctx = await openCommandContext(cmd);
        try {
          const conn = ctx.config.crm;
          if (crm !== conn.kind)
            throw new InrecordError(
              'IR_USAGE',
              `the config connects to ${conn.kind}, not ${crm}: run \`inrecord auth ${conn.kind}\` or pass the config of that CRM with --config`,
            );
          const oauth = ctx.connector.authorisation;
          if (!oauth || !('oauth' in conn.auth)) {
            throw new InrecordError('IR_USAGE', `the ${crm} connection uses a static token, not OAuth`, {
              fix: 'Put the new token in crm.auth.token of inrecord.yaml; `inrecord auth` re-authorises OAuth connections.',
            });
          }
          const redirectUri = opts.redirectUri ?? conn.auth.oauth.redirectUri;
          const url = redirectUri ? oauth.authorizeUrl(redirectUri) : null;
          if (!opts.code && !opts.refreshToken) {
            if (!url) {
              throw new InrecordError(
                'IR_USAGE',
                `no redirect URL for the ${crm} app: the authorise URL needs the one registered with the app`,
                {
                  fix: 'Pass --redirect-uri <url> or set crm.auth.oauth.redirectUri; or pass --refresh-token <token>.',
                },
              );
            }
            if (json) printJson({ crm, authorizeUrl: url });
            else {
              printLine(url);
              printLine(
                `  → open it, approve the app, then run: inrecord auth ${crm} --code <the code= value of the redirect>`,
              );
            }
            return;
          }
          if (opts.code && !redirectUri) {
            throw new InrecordError(
              'IR_USAGE',
              'a code is exchanged with the redirect URL it was issued for',
              { fix: 'Pass --redirect-uri <url> or set crm.auth.oauth.redirectUri.' },
            );
          }
          await oauth.reauthorise(
            opts.code
              ? { code: opts.code, redirectUri: redirectUri as string }
              : { refreshToken: opts.refreshToken as string },
          );
          // One cheap call with the new grant: the field list of contacts.
          const schema = await ctx.connector.describe('contact', { fresh: true });
          const result = {
            crm,
            reauthorised: true,
            verified: `${schema.fields.length} contact fields read`,
            keyId: ctx.store.secrets.keyId(),
          };
          if (json) printJson(result);
          else {
            printLine(
              `✔ ${crm} re-authorised: new grant stored (sealed with key ${result.keyId}), revoked state cleared`,
            );
            printLine(`  verified: ${result.verified}; the flows for ${crm} resume`);
          }
        } finally {
          await ctx.close();
        }
      }),
    );
}
