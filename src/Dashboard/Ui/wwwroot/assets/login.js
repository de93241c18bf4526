// The login form keeps where the user was going and says when the key was wrong.
const params = new URLSearchParams(location.search);
document.getElementById('returnUrl').value = params.get('returnUrl') || '/';
if (params.has('failed')) {
  document.getElementById('login-failed').classList.remove('hidden');
}
