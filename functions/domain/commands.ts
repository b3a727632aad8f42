import type { TicketPriority, TicketStatus } from './ticket';

/** A command an agent wrote at the top of a mail. */
export type AgentCommand =
  | { name: 'status'; status: TicketStatus; line: string }
  | { name: 'assign'; agent: string; line: string }
  | { name: 'priority'; priority: TicketPriority; line: string }
  | { name: 'dept'; department: string; line: string }
  | { name: 'note'; line: string };

export const COMMAND_HELP = [
  '#close              close the ticket',
  '#pending            waiting on something other than the customer',
  '#open               back to open',
  '#assign <agent>     assign to an agent (address or the part before @)',
  '#priority low|normal|high|urgent',
  '#dept <department>  transfer to another department',
  '#note               the rest of the mail is internal: copied to the other agents, never to the customer',
];

export interface ParsedCommands {
  commands: AgentCommand[];
  /** The text below the commands. */
  body: string;
  /** One line per command that could not be understood. */
  errors: string[];
}

const PRIORITIES: readonly TicketPriority[] = ['low', 'normal', 'high', 'urgent'];

/**
 * Reads command lines (`#close`, `#assign tom` ...) from the top of an agent's mail; the first line
 * that is not a command ends them. `resolveAgent` turns `tom` or `tom@agents.example.com` into a
 * configured agent address; `departments` are the valid transfer targets.
 */
export function parseAgentCommands(
  text: string,
  resolveAgent: (name: string) => string | undefined,
  departments: readonly string[],
): ParsedCommands {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const commands: AgentCommand[] = [];
  const errors: string[] = [];
  let i = 0;
  while (i < lines.length && lines[i].trim() === '') i++;
  for (; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    const match = /^#([a-z]+)\b\s*(.*)$/i.exec(line);
    if (!match) break;
    const [, rawName, rawArg] = match;
    const name = rawName.toLowerCase();
    const arg = rawArg.trim();
    if (name === 'close' || name === 'pending' || name === 'open') {
      if (arg) errors.push(`${line}: #${name} takes no argument`);
      else commands.push({ name: 'status', status: name === 'close' ? 'closed' : name, line });
    } else if (name === 'assign') {
      const agent = arg ? resolveAgent(arg) : undefined;
      if (!agent) errors.push(`${line}: expected the name or address of a configured agent`);
      else commands.push({ name: 'assign', agent, line });
    } else if (name === 'priority') {
      const priority = arg.toLowerCase() as TicketPriority;
      if (!PRIORITIES.includes(priority)) errors.push(`${line}: expected one of ${PRIORITIES.join(', ')}`);
      else commands.push({ name: 'priority', priority, line });
    } else if (name === 'dept') {
      const department = arg.toLowerCase();
      if (!departments.includes(department)) errors.push(`${line}: expected one of ${departments.join(', ')}`);
      else commands.push({ name: 'dept', department, line });
    } else if (name === 'note') {
      commands.push({ name: 'note', line });
      if (arg) {
        // `#note text on the same line` starts the note text.
        lines[i] = arg;
        break;
      }
    } else {
      errors.push(`${line}: unknown command`);
    }
  }
  const body = lines.slice(i).join('\n').trim();
  return { commands, body, errors };
}
