import type { Command } from 'commander';
import { looksLikeAddress, normaliseAddress } from '../../../functions/domain/customer';
import type { Ticket } from '../../../functions/domain/ticket';
import { CustomerMergeError } from '../../../functions/ports/customers';
import { CliError } from '../errors';
import { print, printJson } from '../output';
import { table } from '../table';
import { addTargetOptions, type TargetOptions, withTarget } from '../targets/open-target';
import type { Target } from '../targets/target';
import { TICKET_COLUMNS, ticketJson, ticketRow } from '../tickets';

/** An address argument, checked and normalised as the directory keys it. */
function addressArgument(value: string): string {
  if (!looksLikeAddress(value))
    throw new CliError(`expected an e-mail address such as jane@example.org, got ${JSON.stringify(value)}`);
  return normaliseAddress(value);
}

/** The tickets of ids, in order, leaving out any that no longer exist. */
async function ticketsOf(target: Target, ids: readonly string[]): Promise<Ticket[]> {
  const tickets = await Promise.all(ids.map((id) => target.repository.getTicket(id)));
  return tickets.filter((t): t is Ticket => Boolean(t));
}

/** `triage customers show|merge`: a customer's tickets, and merging two addresses of one person. */
export function registerCustomers(program: Command): void {
  const customers = program
    .command('customers')
    .summary('customers by address: show their tickets, merge two addresses of one person')
    .description(
      'A customer record is kept per sender address (lower-cased; plus tags and dots are NOT folded: `jane+shop@` is another address until merged). ' +
        'It lists the tickets the address opened; a `status` mail from it lists the open ones.',
    );

  addTargetOptions(
    customers
      .command('show')
      .description("a customer's tickets (the tickets of merged addresses included); an alias shows its primary")
      .argument('<address>', 'e-mail address')
      .option('--json', 'one JSON object: address, aliases, firstSeenAt, tickets[]'),
  ).action(async (address: string, opts: TargetOptions & { json?: boolean }) =>
    withTarget(opts, async (target) => {
      const wanted = addressArgument(address);
      const customer = await target.customers.resolve(wanted);
      if (!customer) throw new CliError(`no customer ${wanted} in ${target.label}: the address has opened no ticket`);
      const tickets = await ticketsOf(target, customer.ticketIds);
      if (opts.json) return printJson({ ...customer, tickets: tickets.map(ticketJson) });
      print(`${customer.address}${customer.address !== wanted ? ` (${wanted} is an alias of it)` : ''}`);
      if (customer.aliases.length) print(`aliases: ${customer.aliases.join(', ')}`);
      if (customer.firstSeenAt) print(`first ticket: ${customer.firstSeenAt}`);
      print('');
      print(tickets.length ? table(TICKET_COLUMNS, tickets.map(ticketRow)) : 'no tickets');
    }),
  );

  addTargetOptions(
    customers
      .command('merge')
      .description(
        'make ADDRESS-B an alias of ADDRESS-A: the tickets of both show under A, later mail from B joins A, a `status` mail from either lists all',
      )
      .argument('<address-a>', 'the address to keep (the primary)')
      .argument('<address-b>', 'the address to merge into it (with any aliases it has)')
      .option('--json', 'one JSON object: the merged customer'),
  ).action(async (a: string, b: string, opts: TargetOptions & { json?: boolean }) =>
    withTarget(opts, async (target) => {
      const [primary, alias] = [addressArgument(a), addressArgument(b)];
      let merged: Awaited<ReturnType<Target['customers']['merge']>>;
      try {
        merged = await target.customers.merge(primary, alias, new Date());
      } catch (err) {
        if (err instanceof CustomerMergeError) throw new CliError(err.message);
        throw err;
      }
      const { customer, alreadyMerged } = merged;
      if (opts.json) return printJson({ ...customer, alreadyMerged });
      const what = alreadyMerged
        ? `${alias} and ${primary} are already one customer, ${customer.address}`
        : `${alias} is now an alias of ${customer.address}`;
      print(
        `${what}: ${customer.ticketIds.length} ticket(s)${customer.ticketIds.length ? ` (${customer.ticketIds.join(', ')})` : ''}; aliases: ${customer.aliases.join(', ') || 'none'}`,
      );
    }),
  );
}
