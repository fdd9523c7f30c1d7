"""What the CRM adapters' tests, `make demo` and the benchmark share: the
test funnel built, crm.toml for a fake account, `voronka serve --crm`."""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "serve"))

from serve_support import Server, free_port, wait_until  # noqa: E402,F401

SECRET = "test-secret-0123456789"

BITRIX_MAPPING = """
[pipelines.retail]
id = 0
[pipelines.retail.stages]
incoming = "NEW"
qualified = "PREPARATION"
contract = "EXECUTING"
won = "WON"
lost = "LOSE"

[fields]
budget = "OPPORTUNITY"
source = { id = "UF_CRM_SOURCE", enums = { site = "41", ads = "42" } }

[users]
ivanov = 11
petrova = 12
"""

AMO_MAPPING = """
[pipelines.retail]
id = 7
[pipelines.retail.stages]
incoming = 101
qualified = 102
contract = 103
won = 142
lost = 143

[fields]
budget = "price"
source = { id = 5001, enums = { site = 9001, ads = 9002 } }

[users]
ivanov = 6001
petrova = 6002

[task_types]
call = 1
meeting = 2
"""

SERVE_TOML = """
[outbox]
backoff_initial = 1
backoff_max = 2
poll_interval_ms = 100
jitter = 0
"""


def build_shop(voronka, workdir):
    import subprocess
    out = os.path.join(workdir, "shop.funnelc")
    r = subprocess.run([voronka, "build", os.path.join(HERE, "shop.funnel"), "-o", out],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise AssertionError("build failed:\n" + r.stderr)
    return out


def write(path, text):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


def amo_crm_toml(workdir, fake_url, robot_user=True, oauth=False, name="crm.toml", secret=SECRET,
                 refresh_token_env="AMO_REFRESH_TOKEN", token_file="amo-tokens.json"):
    """WORKDIR/NAME for an amoCRM account at FAKE_URL: a long-lived token
    from $AMO_TOKEN, or with OAUTH a refresh token from $REFRESH_TOKEN_ENV
    and the tokens kept in WORKDIR/TOKEN_FILE."""
    account = f'[amocrm]\nurl = "{fake_url}"\nwebhook_secret = "{secret}"\n'
    if robot_user:
        account += "robot_user = 5000\n"
    if oauth:
        account += ('[amocrm.oauth]\nclient_id = "voronka-test"\nclient_secret_env = "AMO_CLIENT_SECRET"\n'
                    f'redirect_uri = "https://voronka.example/oauth"\nrefresh_token_env = "{refresh_token_env}"\n'
                    f'token_file = "{os.path.join(workdir, token_file)}"\n')
    else:
        account += 'token_env = "AMO_TOKEN"\n'
    return write(os.path.join(workdir, name), account + AMO_MAPPING)


def start_serve(voronka, module, workdir, crm_toml, store="crm.db"):
    serve_toml = write(os.path.join(workdir, "serve.toml"), SERVE_TOML)
    server = Server(voronka, module, os.path.join(workdir, store), extra=["--crm", crm_toml, "--config", serve_toml])
    return server.start()


def amo_webhook(server, form, secret=SECRET):
    return server.request("POST", f"/v1/crm/amocrm/{secret}", body=form,
                          headers={"Content-Type": "application/x-www-form-urlencoded",
                                   "User-Agent": "amoCRM-WebHook-client/1.0"})
