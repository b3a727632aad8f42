// The functions render the same tables into mail (the weekly report): one implementation, in the domain.
export { table } from '../../functions/domain/text-table';
