"""CPU-level helpers for compiled code, with no effect on results, only on speed: prefetching
matrix rows, the vector-width hint, unaligned 8-byte loads and stores, a float64's bits, and
element access without the test for an index from the end that numba adds to signed indices
(in the byte loops of the row codec it costs more than their arithmetic)."""

import sys

from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

from fastw2v.jit import njit

CACHE_LINE_BYTES = 64


@intrinsic
def prefetch_element(typingctx, matrix, row, column):
    """llvm.prefetch of &matrix[row, column] (2-D array) with write intent, kept in all cache levels.

    Every prefetched row is about to be updated: asking for the line in exclusive state spares the
    upgrade that a read prefetch would need when another thread holds the line too.
    """
    if not (isinstance(matrix, types.Array) and matrix.ndim == 2
            and isinstance(row, types.Integer) and isinstance(column, types.Integer)):
        return None

    def codegen(context, builder, signature, args):
        matrix_type, row_type, column_type = signature.args
        array = context.make_array(matrix_type)(context, builder, args[0])
        indices = [context.cast(builder, args[1], row_type, types.intp),
                   context.cast(builder, args[2], column_type, types.intp)]
        pointer = cgutils.get_item_pointer2(
            context, builder, data=array.data, shape=cgutils.unpack_tuple(builder, array.shape),
            strides=cgutils.unpack_tuple(builder, array.strides), layout=matrix_type.layout,
            inds=indices, wraparound=False)
        byte_pointer = ir.IntType(8).as_pointer()
        i32 = ir.IntType(32)
        prefetch = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(ir.VoidType(), [byte_pointer, i32, i32, i32]), "llvm.prefetch.p0")
        builder.call(prefetch, [builder.bitcast(pointer, byte_pointer), ir.Constant(i32, 1),
                                ir.Constant(i32, 3), ir.Constant(i32, 1)])
        return context.get_dummy_value()

    return types.void(matrix, row, column), codegen


@njit(nogil=True, cache=True, inline="always")
def prefetch_row(matrix, row):
    """Ask the CPU to start loading every cache line of matrix[row] (a C-contiguous 2-D array) for writing."""
    step = max(1, CACHE_LINE_BYTES // matrix.itemsize)
    for column in range(0, matrix.shape[1], step):
        prefetch_element(matrix, row, column)


@intrinsic
def prefer_256_bit_vectors(typingctx):
    """Mark the calling compiled function "prefer-vector-width"="256".

    With rows of ~100 floats, 512-bit loops leave long scalar remainders and, on some CPUs, run at
    lower clocks; clang applies the same preference on most AVX-512 CPUs. Only a code-generation
    hint: results are unchanged. (llvmlite validates attribute names against a fixed list, which
    does not hold string attributes, hence the plain set insertion.)
    """

    def codegen(context, builder, signature, args):
        attributes = builder.function.attributes
        set.add(attributes, '"prefer-vector-width"="256"')
        return context.get_dummy_value()

    return types.void(), codegen


@intrinsic
def load_u64(typingctx, data, index):
    """The 8 bytes data[index:index + 8] of a 1-D uint8 array as one little-endian uint64, in one
    unaligned load (the caller keeps index + 8 <= len(data)). A short word's key is this load
    masked to its length, where a byte-by-byte loop would cost a shift and an or per byte."""
    if not (isinstance(data, types.Array) and data.ndim == 1 and data.dtype == types.uint8
            and isinstance(index, types.Integer)):
        return None

    def codegen(context, builder, signature, args):
        data_type, index_type = signature.args
        array = context.make_array(data_type)(context, builder, args[0])
        position = context.cast(builder, args[1], index_type, types.intp)
        pointer = cgutils.get_item_pointer2(
            context, builder, data=array.data, shape=cgutils.unpack_tuple(builder, array.shape),
            strides=cgutils.unpack_tuple(builder, array.strides), layout=data_type.layout,
            inds=[position], wraparound=False)
        wide = builder.bitcast(pointer, ir.IntType(64).as_pointer())
        value = builder.load(wide, align=1)
        return builder.bswap(value) if sys.byteorder == "big" else value

    return types.uint64(data, index), codegen


@intrinsic
def float64_bits(typingctx, x):
    """The IEEE-754 bits of a float64, as uint64 (reinterpreted, not converted)."""
    if x != types.float64:
        return None

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.IntType(64))

    return types.uint64(types.float64), codegen


def element_pointer(context, builder, array_type, array, index_type, index):
    """LLVM pointer to array[index] of a 1-D array, with no test for an index from the end (for
    an intrinsic's code generation)."""
    array = context.make_array(array_type)(context, builder, array)
    return cgutils.get_item_pointer2(
        context, builder, data=array.data, shape=cgutils.unpack_tuple(builder, array.shape),
        strides=cgutils.unpack_tuple(builder, array.strides), layout=array_type.layout,
        inds=[context.cast(builder, index, index_type, types.intp)], wraparound=False)


def is_vector_index(array, index):
    """Whether numba types `array` and `index` are a 1-D array and an integer (for typing)."""
    return isinstance(array, types.Array) and array.ndim == 1 and isinstance(index, types.Integer)


@intrinsic
def get_unchecked(typingctx, array, index):
    """array[index] (1-D array, 0 <= index < its length) without the test for an index from the
    end that numba adds to signed indices: with `put_unchecked`, most of the work it would be
    in a byte loop."""
    if not is_vector_index(array, index):
        return None

    def codegen(context, builder, signature, args):
        (array_type, index_type), (array, index) = signature.args, args
        return builder.load(element_pointer(context, builder, array_type, array, index_type, index))

    return array.dtype(array, index), codegen


@intrinsic
def put_unchecked(typingctx, array, index, value):
    """array[index] = value (integer, cast to the array's type), as `get_unchecked`."""
    if not (is_vector_index(array, index) and isinstance(value, types.Integer)):
        return None

    def codegen(context, builder, signature, args):
        pointer = element_pointer(context, builder, signature.args[0], args[0], signature.args[1], args[1])
        builder.store(context.cast(builder, args[2], signature.args[2], signature.args[0].dtype), pointer)
        return context.get_dummy_value()

    return types.void(array, index, value), codegen


@intrinsic
def store_u64(typingctx, array, index, value):
    """array[index:index + 8] = the bytes of value (int64), least significant first, in one
    unaligned store (C-contiguous 1-D uint8 array; index + 8 <= its length)."""
    if not (is_vector_index(array, index) and array.dtype == types.uint8 and array.layout == "C"
            and isinstance(value, types.Integer)):
        return None

    def codegen(context, builder, signature, args):
        pointer = element_pointer(context, builder, signature.args[0], args[0], signature.args[1], args[1])
        value = context.cast(builder, args[2], signature.args[2], types.int64)
        if sys.byteorder == "big":
            value = builder.bswap(value)
        builder.store(value, builder.bitcast(pointer, ir.IntType(64).as_pointer()), align=1)
        return context.get_dummy_value()

    return types.void(array, index, value), codegen
