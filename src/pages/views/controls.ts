import { html, type Html } from '../html';

/**
 * Labelled form controls shared by every page. Each control has a hint and an error slot tied
 * to it by aria-describedby, so the API's field errors are read out with the field.
 */
export interface FieldSpec {
  form: string; // id prefix, unique per page
  name: string; // the API's field name (also what problem+json `errors[].field` says)
  label: string;
  hint?: string;
  type?: 'text' | 'password' | 'tel' | 'number' | 'date';
  inputmode?: 'text' | 'numeric' | 'tel';
  autocomplete?: string;
  maxlength?: number;
  value?: string;
  multiline?: boolean;
}

export function fieldId(form: string, name: string): string {
  return `${form}-${name.replace(/[^\w-]/g, '-')}`;
}

export function field(spec: FieldSpec): Html {
  const id = fieldId(spec.form, spec.name);
  const describedBy = [spec.hint ? `${id}-hint` : '', `${id}-error`].filter(Boolean).join(' ');
  const control = spec.multiline
    ? html`<textarea id="${id}" name="${spec.name}" rows="3" maxlength="${spec.maxlength ?? 1000}" aria-describedby="${describedBy}">
${spec.value ?? ''}</textarea>`
    : html`<input
        id="${id}"
        name="${spec.name}"
        type="${spec.type ?? 'text'}"
        ${spec.inputmode ? html` inputmode="${spec.inputmode}"` : ''}${spec.autocomplete ? html` autocomplete="${spec.autocomplete}"` : ''}${spec.maxlength ? html` maxlength="${spec.maxlength}"` : ''}
        value="${spec.value ?? ''}"
        aria-describedby="${describedBy}"
      />`;
  return html`<div class="field">
    <label for="${id}">${spec.label}</label>
    ${spec.hint ? html`<p class="hint" id="${id}-hint">${spec.hint}</p>` : ''} ${control}
    <p class="field-error" id="${id}-error" data-error-for="${spec.name}"></p>
  </div>`;
}

export function select(spec: { form: string; name: string; label: string; options: Array<{ value: string; label: string }> }): Html {
  const id = fieldId(spec.form, spec.name);
  return html`<div class="field">
    <label for="${id}">${spec.label}</label>
    <select id="${id}" name="${spec.name}" aria-describedby="${id}-error">
      ${spec.options.map((o) => html`<option value="${o.value}">${o.label}</option>`)}
    </select>
    <p class="field-error" id="${id}-error" data-error-for="${spec.name}"></p>
  </div>`;
}

export function radios(spec: { form: string; name: string; legend: string; options: Array<{ value: string; label: string }> }): Html {
  return html`<fieldset class="field" aria-describedby="${fieldId(spec.form, spec.name)}-error">
    <legend>${spec.legend}</legend>
    ${spec.options.map((o, i) => html`<label class="choice"><input type="radio" name="${spec.name}" value="${o.value}" ${i === 0 ? html` checked` : ''} /> ${o.label}</label>`)}
    <p class="field-error" id="${fieldId(spec.form, spec.name)}-error" data-error-for="${spec.name}"></p>
  </fieldset>`;
}

/**
 * A form the shared client script drives (see bindForm in assets/client.js). `novalidate`:
 * the API is the one validator, and its words are the ones shown. `detailField` names the
 * field a problem's `detail` belongs next to when the API gives no per-field errors.
 */
export function form(spec: {
  id: string;
  submit: string;
  body?: Html;
  detailField?: string;
  className?: string;
  hidden?: boolean;
  /** More submit buttons; the one pressed arrives in the values as `name: value`. */
  actions?: Array<{ name: string; value: string; label: string }>;
}): Html {
  return html`<form
    id="${spec.id}"
    class="${spec.className ?? 'card'}"
    novalidate${spec.detailField ? html` data-detail-field="${spec.detailField}"` : ''}${spec.hidden ? html` hidden` : ''}
  >
    ${spec.body ?? ''}
    <p class="form-error" role="alert" data-form-error></p>
    <button type="submit" ${spec.actions ? html` name="${spec.actions[0].name}" value="submit"` : ''}>${spec.submit}</button>
    ${(spec.actions ?? []).map((a) => html`<button type="submit" class="secondary" name="${a.name}" value="${a.value}">${a.label}</button>`)}
  </form>`;
}

/** A block the page script reveals for one step or outcome. */
export function section(id: string, heading: string | null, body: Html, options: { hidden?: boolean; className?: string } = {}): Html {
  return html`<section
    id="${id}"
    class="${options.className ?? 'card'}"
    ${options.hidden === false ? '' : html` hidden`}${heading ? html` aria-labelledby="${id}-h"` : ''}
  >
    ${heading ? html`<h2 id="${id}-h">${heading}</h2>` : ''} ${body}
  </section>`;
}
