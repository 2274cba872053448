export { AwsFoundation, type AwsFoundationArgs } from "./aws.js";
