"""Who is calling: EIP-712 signed requests checked once per request, nonces never reused."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from sqlalchemy.exc import IntegrityError

from api.db.events import UsedNonce
from ledger.crypto.requests import HEADER_SIGNATURE, RequestAuthError, SignedRequest, verify_request


async def signed_caller(request: Request) -> SignedRequest:
    """The verified signer of this request; 401 if unsigned, forged, expired or replayed, 429 if its
    signer is over its rate limit."""
    runtime, store = request.app.state.runtime, request.app.state.store
    body = await request.body()
    try:
        signed = verify_request(
            dict(request.headers),
            chain_id=runtime.client.chain_id,
            contract=runtime.addresses["CredentialRegistry"],
            method=request.method,
            path=request.url.path,
            body=body,
        )
    except RequestAuthError as exc:
        raise HTTPException(status_code=401, detail=f"unauthenticated: {exc}") from None
    replay = HTTPException(status_code=401, detail="unauthenticated: this signed request was already used (replay)")
    limiter = request.app.state.rate_limiter
    if limiter.signer is not None:
        # Counted only once the signature holds and the request is not a replay, so neither a
        # forged signature nor someone replaying a signer's requests spends its allowance; and
        # before the nonce is used, so a request refused here may be sent again.
        with store.session() as session:
            if session.get(UsedNonce, (signed.signer, str(signed.nonce))) is not None:
                raise replay
        limiter.check_signer(signed.signer)
    with store.session() as session:
        session.add(UsedNonce(signer=signed.signer, nonce=str(signed.nonce), used_at=datetime.now(UTC)))
        try:
            session.commit()
        except IntegrityError:
            raise replay from None
    return signed


SignedCallerDep = Annotated[SignedRequest, Depends(signed_caller)]


async def optional_caller(request: Request) -> SignedRequest | None:
    """The verified signer if the request is signed (401 if its signature does not hold), else None."""
    if HEADER_SIGNATURE.lower() not in {k.lower() for k in request.headers}:
        return None
    return await signed_caller(request)


OptionalCallerDep = Annotated[SignedRequest | None, Depends(optional_caller)]
