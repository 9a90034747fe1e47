/**
 * `POST /contacts/filter` (`Contacts::FilterService`): conditions joined by their `query_operator` with SQL
 * precedence (AND before OR), over resolved contacts. Standard keys and operators follow `filter_keys.yml`;
 * a custom attribute must be defined for contacts (`custom_attribute_definitions`). `phone_number` values
 * are normalised to `+digits`. Text equality ignores case except for `identifier` and `phone_number`.
 */
import { normalisePhone } from '../domain/contact-rules.js';
import { errors } from '../domain/errors.js';
import { likeMatcher } from '../domain/like.js';
import type { Contact, Json } from '../domain/records.js';
import type { Clock } from '../lib/time.js';
import type { Store } from '../store/store.js';
import { ContactSearch, paginate, type Page } from './contact-search.js';

export interface FilterCondition {
  readonly attribute_key: string;
  readonly filter_operator: string;
  readonly values: readonly Json[];
  readonly query_operator: string | null;
}

const TEXT = ['equal_to', 'not_equal_to', 'contains', 'does_not_contain'];
const DATE = ['is_greater_than', 'is_less_than', 'days_before'];
const STANDARD: Record<string, readonly string[]> = {
  name: TEXT,
  phone_number: TEXT,
  email: TEXT,
  identifier: ['equal_to', 'not_equal_to'],
  country_code: ['equal_to', 'not_equal_to'],
  city: TEXT,
  company_name: TEXT,
  labels: ['equal_to', 'not_equal_to', 'is_present', 'is_not_present'],
  created_at: DATE,
  last_activity_at: DATE,
  blocked: ['equal_to', 'not_equal_to'],
};
const CUSTOM = [...TEXT, 'is_present', 'is_not_present'];
const CASE_SENSITIVE = new Set(['identifier', 'phone_number']);
const DAY_MS = 86_400_000;

type Test = (contact: Contact) => boolean;

export class ContactFilter {
  private readonly search: ContactSearch;

  constructor(
    private readonly store: Store,
    private readonly now: Clock,
  ) {
    this.search = new ContactSearch(store);
  }

  filter(accountId: number, conditions: readonly FilterCondition[], page: number): Page<Contact> {
    const tests = conditions.map((condition) => this.compile(accountId, condition));
    // Split on OR: each group is a run of AND-ed conditions.
    const groups: Test[][] = [[]];
    tests.forEach((test, i) => {
      groups[groups.length - 1]?.push(test);
      if (i < conditions.length - 1 && (conditions[i]?.query_operator ?? 'AND').toUpperCase() === 'OR') groups.push([]);
    });
    const matches = this.search.resolved(accountId).filter((c) => groups.some((group) => group.every((test) => test(c))));
    return paginate(matches, page);
  }

  private compile(accountId: number, condition: FilterCondition): Test {
    const key = condition.attribute_key;
    const custom = !(key in STANDARD);
    if (custom && ![...this.store.state.account(accountId).attributeDefinitions.values()].some((d) => d.model === 'contact_attribute' && d.key === key)) {
      throw errors.unprocessable(`Invalid attribute key - [${key}]. The allowed keys are [${Object.keys(STANDARD).join(',')}] or a contact custom attribute.`);
    }
    const operators = custom ? CUSTOM : (STANDARD[key] ?? []);
    const op = condition.filter_operator;
    if (!operators.includes(op)) throw errors.unprocessable(`Invalid operator. The allowed operators for ${key} are [${operators.join(',')}].`);
    const read = (c: Contact): Json | undefined => (custom ? c.customAttributes[key] : standardValue(c, key));
    if (key === 'blocked') {
      const wanted = condition.values.map((v) => v === true || v === 'true');
      return (c) => wanted.includes(c.blocked) === (op === 'equal_to');
    }
    if (key === 'labels') return (_c) => op === 'not_equal_to' || op === 'is_not_present';
    if (DATE.includes(op)) return this.dateTest(key, op, condition.values[0]);
    if (op === 'is_present' || op === 'is_not_present') {
      return (c) => {
        const value = read(c);
        return (value !== undefined && value !== null && value !== '') === (op === 'is_present');
      };
    }
    const values = condition.values.map((v) => (key === 'phone_number' ? normalisePhone(String(v)) : String(v)));
    const ci = !CASE_SENSITIVE.has(key);
    if (op === 'equal_to' || op === 'not_equal_to') {
      const wanted = new Set(values.map((v) => (ci ? v.toLowerCase() : v)));
      return (c) => {
        const value = read(c);
        const text = value === undefined || value === null ? null : String(value);
        return (text !== null && wanted.has(ci ? text.toLowerCase() : text)) === (op === 'equal_to');
      };
    }
    const matchers = values.map((v) => likeMatcher(`%${v}%`, true));
    return (c) => {
      const value = read(c);
      const text = value === undefined || value === null ? null : String(value);
      return matchers.some((m) => m(text)) === (op === 'contains');
    };
  }

  private dateTest(key: string, op: string, value: Json | undefined): Test {
    const at = (c: Contact): number | null => (key === 'created_at' ? c.createdAt : c.lastActivityAt);
    if (op === 'days_before') {
      const days = Number(value);
      if (!Number.isFinite(days)) throw errors.unprocessable(`Invalid value. The values provided for ${key} are invalid`);
      const limit = this.now() - days * DAY_MS;
      return (c) => (at(c) ?? Infinity) < limit;
    }
    const limit = Date.parse(String(value));
    if (Number.isNaN(limit)) throw errors.unprocessable(`Invalid value. The values provided for ${key} are invalid`);
    return (c) => {
      const time = at(c);
      return time !== null && (op === 'is_greater_than' ? time > limit : time < limit);
    };
  }
}

function standardValue(contact: Contact, key: string): Json | undefined {
  switch (key) {
    case 'name': return contact.name;
    case 'email': return contact.email;
    case 'phone_number': return contact.phoneNumber;
    case 'identifier': return contact.identifier;
    default: return contact.additionalAttributes[key];
  }
}
