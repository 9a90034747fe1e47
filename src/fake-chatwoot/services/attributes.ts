/**
 * Custom attribute definitions: only keys defined for contacts can be used in a contact filter, as in
 * Chatwoot (`custom_attribute_definitions`, administrators create them).
 */
import { assertValid, type ValidationFailure } from '../domain/errors.js';
import type { AttributeDefinition, AttributeModel } from '../domain/records.js';
import type { Clock } from '../lib/time.js';
import type { Store } from '../store/store.js';

export interface AttributeInput {
  readonly key?: string;
  readonly displayName?: string;
  readonly displayType?: string;
  readonly model?: string;
}

const MODELS: Record<string, AttributeModel> = {
  conversation_attribute: 'conversation_attribute',
  contact_attribute: 'contact_attribute',
  0: 'conversation_attribute',
  1: 'contact_attribute',
};

export class Attributes {
  constructor(
    private readonly store: Store,
    private readonly now: Clock,
  ) {}

  list(accountId: number, model?: string): AttributeDefinition[] {
    const wanted = model === undefined ? undefined : MODELS[model];
    return [...this.store.state.account(accountId).attributeDefinitions.values()].filter((d) => wanted === undefined || d.model === wanted);
  }

  create(accountId: number, input: AttributeInput): AttributeDefinition {
    const data = this.store.state.account(accountId);
    const model = MODELS[input.model ?? 'conversation_attribute'];
    const key = input.key ?? '';
    const failures: ValidationFailure[] = [];
    if ((input.displayName ?? '').trim() === '') failures.push(['attribute_display_name', "Attribute display name can't be blank"]);
    if (key.trim() === '') failures.push(['attribute_key', "Attribute key can't be blank"]);
    if (!model) failures.push(['attribute_model', 'Attribute model is not included in the list']);
    if ([...data.attributeDefinitions.values()].some((d) => d.key === key && d.model === model)) {
      failures.push(['attribute_key', 'Attribute key has already been taken']);
    }
    assertValid(failures);
    const definition: AttributeDefinition = {
      id: this.store.state.next.attributeDefinition++,
      accountId,
      key,
      displayName: input.displayName ?? key,
      displayType: input.displayType ?? 'text',
      model: model ?? 'conversation_attribute',
      createdAt: this.now(),
    };
    data.attributeDefinitions.set(definition.id, definition);
    return definition;
  }
}
