// The sign-up page: talks only to its own backend (/api/…), never to otpgate.
const T = {
  en: {
    title: 'Create your account', name: 'Name', email: 'E-mail', phone: 'Phone number', password: 'Password', getCode: 'Get code',
    codeTitle: 'Enter the code', codeHint: (p) => `We sent a code to ${p}.`, code: 'Code', confirm: 'Confirm', sendAgain: 'Send again',
    sendAgainIn: (s) => `Send again in ${s} s`, wrong: (n) => `Wrong code. ${n} ${n === 1 ? 'check' : 'checks'} left.`,
    wait: (s) => `Please wait ${s} s before asking for a new code.`, sent: 'A new code is on its way.',
    doneTitle: 'Phone confirmed', doneText: 'Your account is ready.', continue: 'Continue', accountTitle: 'Your account',
    fields: { name: 'Name', email: 'E-mail', phone: 'Phone', id: 'Account', createdAt: 'Created' },
    errors: {
      invalid_form: 'Fill in every field (password: 8 characters or more).', invalid_phone_number: 'This phone number is not valid.',
      invalid_code_format: 'The code is the digits from the message.', verification_not_pending: 'This code can no longer be used: ask for a new one.',
      max_sends_reached: 'No more codes for this sign-up: start again.', rate_limited: 'Too many attempts: try again later.',
      country_not_allowed: 'We cannot send codes to this country.', other: 'Something went wrong. Try again.',
    },
  },
  ru: {
    title: 'Создайте аккаунт', name: 'Имя', email: 'Эл. почта', phone: 'Номер телефона', password: 'Пароль', getCode: 'Получить код',
    codeTitle: 'Введите код', codeHint: (p) => `Мы отправили код на ${p}.`, code: 'Код', confirm: 'Подтвердить', sendAgain: 'Отправить ещё раз',
    sendAgainIn: (s) => `Отправить ещё раз через ${s} с`, wrong: (n) => `Неверный код. Осталось попыток: ${n}.`,
    wait: (s) => `Подождите ${s} с, прежде чем запросить новый код.`, sent: 'Новый код отправлен.',
    doneTitle: 'Телефон подтверждён', doneText: 'Ваш аккаунт готов.', continue: 'Продолжить', accountTitle: 'Ваш аккаунт',
    fields: { name: 'Имя', email: 'Эл. почта', phone: 'Телефон', id: 'Аккаунт', createdAt: 'Создан' },
    errors: {
      invalid_form: 'Заполните все поля (пароль — не короче 8 символов).', invalid_phone_number: 'Неверный номер телефона.',
      invalid_code_format: 'Код — это цифры из сообщения.', verification_not_pending: 'Этот код больше не действует: запросите новый.',
      max_sends_reached: 'Коды для этой регистрации закончились: начните заново.', rate_limited: 'Слишком много попыток: попробуйте позже.',
      country_not_allowed: 'Мы не отправляем коды в эту страну.', other: 'Что-то пошло не так. Попробуйте ещё раз.',
    },
  },
  pt: {
    title: 'Crie sua conta', name: 'Nome', email: 'E-mail', phone: 'Número de telefone', password: 'Senha', getCode: 'Receber código',
    codeTitle: 'Digite o código', codeHint: (p) => `Enviamos um código para ${p}.`, code: 'Código', confirm: 'Confirmar', sendAgain: 'Enviar de novo',
    sendAgainIn: (s) => `Enviar de novo em ${s} s`, wrong: (n) => `Código incorreto. ${n === 1 ? 'Resta 1 tentativa' : `Restam ${n} tentativas`}.`,
    wait: (s) => `Aguarde ${s} s antes de pedir um novo código.`, sent: 'Um novo código está a caminho.',
    doneTitle: 'Telefone confirmado', doneText: 'Sua conta está pronta.', continue: 'Continuar', accountTitle: 'Sua conta',
    fields: { name: 'Nome', email: 'E-mail', phone: 'Telefone', id: 'Conta', createdAt: 'Criada em' },
    errors: {
      invalid_form: 'Preencha todos os campos (senha: 8 caracteres ou mais).', invalid_phone_number: 'Este número de telefone não é válido.',
      invalid_code_format: 'O código são os dígitos da mensagem.', verification_not_pending: 'Este código não vale mais: peça um novo.',
      max_sends_reached: 'Não há mais códigos para este cadastro: comece de novo.', rate_limited: 'Muitas tentativas: tente mais tarde.',
      country_not_allowed: 'Não enviamos códigos para este país.', other: 'Algo deu errado. Tente de novo.',
    },
  },
};

const $ = (id) => document.getElementById(id);
const state = { signupId: null, phone: null, resendAt: 0, accountId: null };
let locale = new URLSearchParams(location.search).get('lang') || 'en';
if (!T[locale]) locale = 'en';
const t = () => T[locale];

function render() {
  document.documentElement.lang = locale;
  $('locale').value = locale;
  for (const node of document.querySelectorAll('[data-t]')) {
    const v = t()[node.dataset.t];
    if (typeof v === 'string') node.textContent = v;
  }
  if (state.phone) $('code-hint').textContent = t().codeHint(state.phone);
  tick();
}

function show(step) {
  for (const id of ['step-form', 'step-code', 'step-done', 'step-account']) $(id).hidden = id !== step;
}

const errorText = (body) => t().errors[body.error] || t().errors.other;

async function post(path, body) {
  const res = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { ok: res.ok, body: await res.json().catch(() => ({})) };
}

// The resend button counts down to the time otpgate allows the next send.
function tick() {
  const left = Math.ceil((state.resendAt - Date.now()) / 1000);
  const button = $('resend');
  button.disabled = left > 0;
  button.textContent = left > 0 ? t().sendAgainIn(left) : t().sendAgain;
}
setInterval(tick, 500);

$('locale').addEventListener('change', (e) => {
  locale = e.target.value;
  render();
});

$('step-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  $('form-error').textContent = '';
  $('get-code').disabled = true;
  const { ok, body } = await post('/api/signup', {
    name: $('name').value, email: $('email').value, phone: $('phone').value, password: $('password').value, locale,
  });
  $('get-code').disabled = false;
  if (!ok) {
    $('form-error').textContent = body.error === 'resend_too_soon' ? t().wait(body.retryAfter) : errorText(body);
    return;
  }
  Object.assign(state, { signupId: body.signupId, phone: body.phone, resendAt: Date.parse(body.resendAvailableAt) });
  $('code').maxLength = body.codeLength;
  show('step-code');
  render();
  $('code').focus();
});

$('step-code').addEventListener('submit', async (e) => {
  e.preventDefault();
  $('code-error').textContent = '';
  const { ok, body } = await post('/api/signup/confirm', { signupId: state.signupId, code: $('code').value });
  if (ok) {
    state.accountId = body.accountId;
    show('step-done');
    return;
  }
  $('code-error').textContent = body.error === 'wrong_code' ? t().wrong(body.checksRemaining) : errorText(body);
});

$('resend').addEventListener('click', async () => {
  $('code-error').textContent = '';
  const { ok, body } = await post('/api/signup/resend', { signupId: state.signupId });
  if (ok) {
    state.resendAt = Date.parse(body.resendAvailableAt);
    $('code-error').textContent = t().sent;
  } else if (body.error === 'resend_too_soon') {
    state.resendAt = Date.now() + body.retryAfter * 1000;
    $('code-error').textContent = t().wait(body.retryAfter);
  } else {
    $('code-error').textContent = errorText(body);
  }
  tick();
});

$('continue').addEventListener('click', async () => {
  const res = await fetch(`/api/accounts/${encodeURIComponent(state.accountId)}`);
  const account = await res.json();
  const dl = $('account');
  dl.replaceChildren();
  for (const key of ['name', 'email', 'phone', 'id', 'createdAt']) {
    const dt = document.createElement('dt');
    dt.textContent = t().fields[key];
    const dd = document.createElement('dd');
    dd.textContent = key === 'createdAt' ? new Date(account[key]).toLocaleString(locale) : account[key];
    dd.dataset.field = key;
    dl.append(dt, dd);
  }
  show('step-account');
});

render();
