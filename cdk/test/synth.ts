import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { JobsStack } from '../lib/jobs-stack';

/** The context of synth:offline: the CDK CLI's way of skipping every stack's bundling. */
export const OFFLINE_CONTEXT = { 'aws:cdk:bundling-stacks': [] };

/** Synthesizes the stack the way synth:offline does (no Rust build), or with this context. */
export function synthJobsStack(context: Record<string, unknown> = OFFLINE_CONTEXT): {
  app: App;
  stack: JobsStack;
  template: Template;
} {
  const app = new App({ context });
  const stack = new JobsStack(app, 'JobsApi');
  return { app, stack, template: Template.fromStack(stack) };
}

export type Resource = { Type: string; Properties: Record<string, any>; DependsOn?: unknown };

/** The one resource of a type whose logical id starts with the given prefix. */
export function resourceByPrefix(template: Template, type: string, prefix: string): [string, Resource] {
  const found = Object.entries(template.findResources(type)).filter(([id]) => id.startsWith(prefix));
  if (found.length !== 1) {
    throw new Error(`expected one ${type} starting with ${prefix}, found ${found.map(([id]) => id).join(', ') || 'none'}`);
  }
  return found[0] as [string, Resource];
}

/** The statements of every inline policy attached to the role with this logical id. */
export function statementsOfRole(template: Template, roleLogicalId: string): any[] {
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p: any) => p.Properties.Roles.some((r: any) => r.Ref === roleLogicalId))
    .flatMap((p: any) => p.Properties.PolicyDocument.Statement);
}

export function asArray<T>(x: T | T[]): T[] {
  return Array.isArray(x) ? x : [x];
}

/** The role's statements as action -> resources, for exact comparisons. */
export function permissionsOfRole(template: Template, roleLogicalId: string): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const s of statementsOfRole(template, roleLogicalId)) {
    expect(s.Effect).toBe('Allow');
    expect(s.Condition).toBeUndefined();
    for (const action of asArray(s.Action) as string[]) {
      out[action] = [...(out[action] ?? []), ...asArray(s.Resource)];
    }
  }
  return out;
}

export const getAtt = (id: string, attr = 'Arn') => ({ 'Fn::GetAtt': [id, attr] });
export const ref = (id: string) => ({ Ref: id });
