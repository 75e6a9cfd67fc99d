"""catalog: product variants with their own stock

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import livestall.db

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('product_variants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('sku', sa.String(length=64), nullable=False),
    sa.Column('option1', sa.String(length=40), nullable=True),
    sa.Column('option2', sa.String(length=40), nullable=True),
    sa.Column('option3', sa.String(length=40), nullable=True),
    sa.Column('stock', sa.Integer(), nullable=False),
    sa.Column('price_minor', sa.BigInteger(), nullable=True),
    sa.Column('image_id', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at', livestall.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('stock >= 0', name=op.f('ck_product_variants_stock_non_negative')),
    sa.ForeignKeyConstraint(['image_id'], ['product_images.id'], name=op.f('fk_product_variants_image_id_product_images'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_product_variants_product_id_products'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product_variants')),
    sa.UniqueConstraint('product_id', 'sku', name='uq_product_variants_product_sku')
    )
    with op.batch_alter_table('product_variants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_product_variants_product_id'), ['product_id'], unique=False)

    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.add_column(sa.Column('option_axes', sa.JSON(), nullable=False, server_default='[]'))

    for table in ('orders', 'flash_sales'):
        _add_variant_reference(table)

    _options_become_variants()


def _add_variant_reference(table: str) -> None:
    """Adds `<table>.variant_id`, a nullable reference to a variant that is set null when it goes."""
    fk_name = f'fk_{table}_variant_id_product_variants'
    if op.get_bind().dialect.name != 'sqlite':
        op.add_column(table, sa.Column('variant_id', sa.Integer(), nullable=True))
        op.create_foreign_key(fk_name, table, 'product_variants', ['variant_id'], ['id'], ondelete='SET NULL')
        return
    # SQLite: copying the table (batch mode) would drop it, and the drop cascades to the rows that
    # refer to its orders. The column is added in place instead, and the reference written as a named
    # table constraint into the schema text (SQLite's documented way to add a foreign key; the rows on
    # disk do not change).
    op.add_column(table, sa.Column('variant_id', sa.Integer(), nullable=True))
    _rewrite_sqlite_schema(table, lambda sql: sql[:sql.rindex(')')].rstrip() + _sqlite_constraint(table) + '\n)')


def _drop_variant_reference(table: str) -> None:
    """Undoes `_add_variant_reference`, in place on SQLite too."""
    if op.get_bind().dialect.name != 'sqlite':
        op.drop_constraint(f'fk_{table}_variant_id_product_variants', table, type_='foreignkey')
        op.drop_column(table, 'variant_id')
        return
    _rewrite_sqlite_schema(table, lambda sql: sql.replace(_sqlite_constraint(table), ''))
    op.get_bind().exec_driver_sql(f'ALTER TABLE {table} DROP COLUMN variant_id')


def _sqlite_constraint(table: str) -> str:
    return (f',\n\tCONSTRAINT fk_{table}_variant_id_product_variants FOREIGN KEY(variant_id) '
            'REFERENCES product_variants (id) ON DELETE SET NULL')


def _rewrite_sqlite_schema(table: str, change) -> None:
    """Changes the CREATE TABLE text of `table` as SQLite documents for adding or removing a constraint."""
    bind = op.get_bind()
    sql = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
    ).scalar_one()
    version = bind.exec_driver_sql('PRAGMA schema_version').scalar_one()
    bind.exec_driver_sql('PRAGMA writable_schema=ON')
    bind.exec_driver_sql("UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = ?", (change(sql), table))
    bind.exec_driver_sql(f'PRAGMA schema_version={version + 1}')
    bind.exec_driver_sql('PRAGMA writable_schema=OFF')


def _options_become_variants() -> None:
    """Each product's old options become variants on one axis "Option"; all its stock goes on the first."""
    products = sa.table(
        'products',
        sa.column('id', sa.Integer()), sa.column('sku', sa.String()), sa.column('stock', sa.Integer()),
        sa.column('options', sa.JSON()), sa.column('option_axes', sa.JSON()),
    )
    variants = sa.table(
        'product_variants',
        sa.column('product_id', sa.Integer()), sa.column('sku', sa.String()), sa.column('option1', sa.String()),
        sa.column('stock', sa.Integer()), sa.column('position', sa.Integer()),
        sa.column('created_at', livestall.db.UTCDateTime(timezone=True)),
    )
    bind = op.get_bind()
    now = livestall.db.utcnow()
    for product_id, sku, stock, options in bind.execute(
        sa.select(products.c.id, products.c.sku, products.c.stock, products.c.options)
    ).all():
        values = list(dict.fromkeys(str(o).strip()[:40] for o in options or [] if str(o).strip()))
        if not values:
            continue
        bind.execute(variants.insert(), [
            {'product_id': product_id, 'sku': f'{sku}-{n}'[:64], 'option1': value,
             'stock': stock if n == 1 else 0, 'position': n - 1, 'created_at': now}
            for n, value in enumerate(values, start=1)
        ])
        bind.execute(products.update().where(products.c.id == product_id).values(option_axes=['Option']))


def downgrade() -> None:
    for table in ('flash_sales', 'orders'):
        _drop_variant_reference(table)

    # In place on SQLite too: copying `products` would cascade its drop to images and variants.
    op.drop_column('products', 'option_axes')

    with op.batch_alter_table('product_variants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_product_variants_product_id'))

    op.drop_table('product_variants')
