"""Each platform's request signature, exactly as its documentation describes it.

DingTalk custom robot, security setting 加签 (open.dingtalk.com/document/robots/customize-robot-security-
settings; the same steps quoted in e.g. blog.csdn.net/weixin_43564241/article/details/139138811):
"把 timestamp+"\\n"+密钥当做签名字符串，使用 HmacSHA256 算法计算签名，然后进行 Base64 encode，最后再把签名参数
再进行 urlEncode" — the HMAC key is the secret (the SEC… string), the message is f"{timestamp}\\n{secret}",
timestamp in milliseconds (within an hour of DingTalk's clock); `timestamp` and `sign` go in the query
string.

Feishu custom bot, 签名校验 (open.feishu.cn/document/client-docs/bot-v3/add-custom-bot, SignDemo.java; quoted
in blog.csdn.net/zhanglili1993/article/details/136473704): "将 timestamp + "\\n" + 密钥当做签名字符串，使用
HmacSHA256 算法计算签名，再进行 Base64 编码", where the official demo uses the string to sign as the HMAC
*key* over an empty message (`mac.init(new SecretKeySpec(stringToSign…)); mac.doFinal(new byte[]{})`);
timestamp in seconds; `timestamp` (a string) and `sign` go in the JSON body.

The generic webhook: `X-Lodestar-Signature: sha256=<hex HMAC-SHA256 of the raw body, keyed by the secret>`
and `X-Lodestar-Timestamp` (Unix seconds), the way GitHub and Stripe sign theirs.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import quote_plus


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's `sign` query value, already URL-encoded."""
    to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), to_sign, hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest).decode())


def dingtalk_url(url: str, secret: str, timestamp_ms: int) -> str:
    """The robot URL with `&timestamp=…&sign=…` appended."""
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}timestamp={timestamp_ms}&sign={dingtalk_sign(secret, timestamp_ms)}"


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """Feishu's `sign` body field: HMAC-SHA256 keyed by "timestamp\\nsecret" over nothing, Base64."""
    key = f"{timestamp_s}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()


def webhook_signature(secret: str, body: bytes) -> str:
    """The generic webhook's X-Lodestar-Signature header value."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
