import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { DEPARTMENT_STATUS_INDEX } from '../../functions/adapters/table-layout';

/** Name of the GSI listing a department's tickets by status, ordered by due time (see table-layout.ts). */
export const BY_DEPARTMENT_STATUS_INDEX = DEPARTMENT_STATUS_INDEX;

/** Properties of a {@link TicketStore}. */
export interface TicketStoreProps {
  /**
   * What happens to the table (tickets, conversations) when it leaves the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The single DynamoDB table of tickets, messages, Message-ID index, counters, dedupe markers and
 * object outcomes (item shapes in docs/data-model.md): `pk`/`sk`, GSI `byDepartmentStatus`
 * (`gsi1pk` = `<department>#<status>`, `gsi1sk` = due time), on-demand, point-in-time recovery,
 * TTL on `expiresAt`.
 */
export class TicketStore extends Construct {
  /** The table. */
  readonly table: Table;

  constructor(scope: Construct, id: string, props: TicketStoreProps = {}) {
    super(scope, id);
    this.table = new Table(this, 'Table', {
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      sortKey: { name: 'sk', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: 'expiresAt',
      encryption: TableEncryption.AWS_MANAGED,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: BY_DEPARTMENT_STATUS_INDEX,
      partitionKey: { name: 'gsi1pk', type: AttributeType.STRING },
      sortKey: { name: 'gsi1sk', type: AttributeType.STRING },
      projectionType: ProjectionType.ALL,
    });
  }

  /** ARN of the `byDepartmentStatus` index (for exact IAM statements, no wildcard). */
  get indexArn(): string {
    return `${this.table.tableArn}/index/${BY_DEPARTMENT_STATUS_INDEX}`;
  }
}
