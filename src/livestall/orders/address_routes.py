"""HTTP routes for a buyer's address book: list, add, edit, delete, make default."""

from __future__ import annotations

from fastapi import APIRouter, Response

from livestall.accounts.deps import CurrentUser
from livestall.db import SessionDep
from livestall.orders import addresses
from livestall.orders.addresses import AddressIn, AddressList, AddressRead

router = APIRouter(prefix="/api/v1/me/addresses", tags=["addresses"])


@router.get("", response_model=AddressList)
async def list_addresses(user: CurrentUser, session: SessionDep):
    """The user's shipping addresses, the default first."""
    return AddressList(items=[AddressRead.of(a) for a in await addresses.list_addresses(session=session, user=user)])


@router.post("", status_code=201, response_model=AddressRead)
async def add_address(address_in: AddressIn, user: CurrentUser, session: SessionDep):
    """Add an address (at most 20); the first one becomes the default."""
    return AddressRead.of(await addresses.do_add_address(session=session, user=user, address_in=address_in))


@router.put("/{address_id}", response_model=AddressRead)
async def edit_address(address_id: int, address_in: AddressIn, user: CurrentUser, session: SessionDep):
    """Replace an address with the one given; orders already made keep theirs."""
    address = await addresses.get_address(session=session, user=user, address_id=address_id)
    return AddressRead.of(await addresses.do_edit_address(session=session, user=user, address=address,
                                                          address_in=address_in))


@router.post("/{address_id}/default", response_model=AddressRead)
async def make_default(address_id: int, user: CurrentUser, session: SessionDep):
    """Make the address the default one: buying uses it unless told another."""
    address = await addresses.get_address(session=session, user=user, address_id=address_id)
    return AddressRead.of(await addresses.do_make_default(session=session, user=user, address=address))


@router.delete("/{address_id}", status_code=204)
async def delete_address(address_id: int, user: CurrentUser, session: SessionDep) -> Response:
    """Delete an address; if it was the default, the newest one left becomes the default."""
    address = await addresses.get_address(session=session, user=user, address_id=address_id)
    await addresses.do_delete_address(session=session, user=user, address=address)
    return Response(status_code=204)
