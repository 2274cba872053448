/**
 * IAM trust policies for roles that AWS services assume. With the account
 * given, the trust admits the service only on behalf of that account
 * (`aws:SourceAccount`), which closes the confused-deputy path.
 */
import * as pulumi from "@pulumi/pulumi";

export function assumeRolePolicy(service: string, accountId: pulumi.Input<string> | undefined): pulumi.Output<string> {
  const statement = (account: string | undefined) => ({
    Effect: "Allow",
    Principal: { Service: service },
    Action: "sts:AssumeRole",
    ...(account !== undefined ? { Condition: { StringEquals: { "aws:SourceAccount": account } } } : {}),
  });
  return pulumi.output(accountId).apply((account) => JSON.stringify({ Version: "2012-10-17", Statement: [statement(account)] }));
}
