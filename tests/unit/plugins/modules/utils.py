"""Scaffolding shared by the module unit tests.

- ModuleExit / ModuleFail: what a module's exit_json / fail_json raise here, with the result they were given.
- fake_module, fake_module_for and outcome_of: call a module's functions with a MagicMock module.
- main_outcome: a module's main() with AnsibleAWSModule replaced by a fake; main_outcome_with_args: main() through the
  real AnsibleModule, on module args.
- client_error, stub_paginators, FakeAwsClients and patched_aws_clients: boto3 client stubs.
- JsonHandler, local_http_server and unused_loopback_port: a local HTTP server for the probing modules.
"""

import json
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from unittest import mock

import pytest
from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

# --- module results -----------------------------------------------------------------------------------


class ModuleOutcome(Exception):
    """How a module run ended: ``result`` holds what the module passed to exit_json or fail_json."""

    failed = False

    def __init__(self, result):
        super().__init__(result.get("msg"))
        self.result = result


class ModuleExit(ModuleOutcome):
    """exit_json was called."""


class ModuleFail(ModuleOutcome):
    """fail_json or fail_json_aws was called; the result says ``failed: true`` as Ansible's would."""

    failed = True


def exit_json(**result):
    raise ModuleExit(result)


def fail_json(**result):
    raise ModuleFail(dict(result, failed=True))


def fail_json_aws(exception, msg=None, **result):
    raise ModuleFail(dict(result, msg=msg, exception=exception, failed=True))


def fake_module(params=None, check_mode=False):
    """A MagicMock AnsibleAWSModule with these params, whose exit_json, fail_json and fail_json_aws raise."""
    module = mock.MagicMock()
    if params is not None:
        module.params = params
    module.check_mode = check_mode
    module.exit_json.side_effect = exit_json
    module.fail_json.side_effect = fail_json
    module.fail_json_aws.side_effect = fail_json_aws
    return module


def fake_module_for(params):
    """A test file's fake_module(check_mode=False, **overrides), with the options ``params(**overrides)`` builds."""

    def make(check_mode=False, **overrides):
        return fake_module(params(**overrides), check_mode)

    return make


def outcome_of(function, *args, **kwargs):
    """Call a module function that ends in exit_json or fail_json; returns the ModuleOutcome."""
    with pytest.raises(ModuleOutcome) as outcome:
        function(*args, **kwargs)
    return outcome.value


def main_outcome(module_under_test, module):
    """module_under_test.main() with its AnsibleAWSModule replaced by ``module`` (see fake_module)."""
    with mock.patch.object(module_under_test, "AnsibleAWSModule", return_value=module):
        return outcome_of(module_under_test.main)


def main_outcome_with_args(main, args, check_mode=False):
    """Run a module's main() on module args through the real AnsibleModule; returns the ModuleOutcome."""
    args = dict(args)
    if check_mode:
        args["_ansible_check_mode"] = True

    def module_exit_json(self, **kwargs):  # pylint: disable=unused-argument
        exit_json(**kwargs)

    def module_fail_json(self, *args, **kwargs):  # pylint: disable=unused-argument
        if args:
            kwargs["msg"] = args[0]
        fail_json(**kwargs)

    with (
        patch_module_args(args),
        mock.patch.object(basic.AnsibleModule, "exit_json", module_exit_json),
        mock.patch.object(basic.AnsibleModule, "fail_json", module_fail_json),
    ):
        return outcome_of(main)


# --- boto3 client stubs -------------------------------------------------------------------------------


def client_error(code, operation="Operation", message=None):
    """The botocore ClientError an AWS API answers with an error code."""
    import botocore.exceptions  # only the tests that stub AWS errors need botocore

    return botocore.exceptions.ClientError({"Error": {"Code": code, "Message": message or code}}, operation)


def stub_paginators(client, results):
    """Make ``client.get_paginator(operation).paginate(**kwargs).build_full_result()`` answer ``results[operation]``.

    A callable result is called with the paginate arguments. An operation missing from results is a KeyError,
    so that a test notices a paginator it did not expect.
    """

    def get_paginator(operation):
        answer = results[operation]
        paginator = mock.MagicMock()
        paginator.paginate.side_effect = lambda **kwargs: mock.MagicMock(
            build_full_result=mock.MagicMock(return_value=answer(**kwargs) if callable(answer) else answer)
        )
        return paginator

    client.get_paginator.side_effect = get_paginator
    return client


class FakeAwsClients:
    """Stands in for AnsibleAWSModule.client (see patched_aws_clients).

    A subclass makes each service's client in a method named after it (``_ecs``, ``_application_autoscaling``);
    it is made on first use and kept in ``clients``, by service name.
    """

    def __init__(self):
        self.clients = {}

    def client(self, name, retry_decorator=None, **kwargs):  # pylint: disable=unused-argument
        if name not in self.clients:
            self.clients[name] = getattr(self, f"_{name.replace('-', '_')}")()
        return self.clients[name]


@contextmanager
def patched_aws_clients(fake):
    """AnsibleAWSModule.client answers with the clients of ``fake`` (a FakeAwsClients)."""
    with mock.patch.object(AnsibleAWSModule, "client", autospec=True, side_effect=lambda module, name, **kwargs: fake.client(name, **kwargs)):
        yield fake


# --- a local HTTP server ------------------------------------------------------------------------------


class JsonHandler(BaseHTTPRequestHandler):
    """A request handler that answers with send_json and writes no access log."""

    def log_message(self, *args):  # pylint: disable=arguments-differ
        pass

    def send_json(self, status, body, content_type="application/json", headers=None):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


@contextmanager
def local_http_server(handler, **attributes):
    """A ThreadingHTTPServer on a free loopback port, serving from a thread until the block ends.

    The attributes are set on the server, where the handler finds them (``self.server``); ``base`` is the
    server's URL without a path.
    """
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    for name, value in attributes.items():
        setattr(server, name, value)
    server.base = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def unused_loopback_port():
    """A loopback port that nothing listens on."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    port = server.server_address[1]
    server.server_close()
    return port
