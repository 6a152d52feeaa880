import "./style.css";

// The server sends a failed login back here with ?failed=1.
if (new URLSearchParams(window.location.search).has("failed")) {
  const failed = document.getElementById("login-failed");
  if (failed) failed.hidden = false;
}
