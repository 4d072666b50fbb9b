using Engine.Onnx;
using Engine.Onnx.Proto;
using Engine.Runtime;
using Google.Protobuf;
using DataType = Engine.Runtime.DataType;

namespace Engine.Tests.Frontend;

/// <summary>TensorProto ↔ Tensor for every element type, in the typed fields and in raw_data.</summary>
public class TensorProtoConverterTests
{
    private static TensorProto Typed(DataType type, int n, Action<TensorProto> fill)
    {
        var p = new TensorProto { Name = "t", DataType = (int)type };
        p.Dims.Add(n);
        fill(p);
        return p;
    }

    [Fact]
    public void TypedFieldsOfEveryElementTypeAreRead()
    {
        // Each signed/unsigned pair shares a CLR array shape (int[] passes as uint[]): each must read its own field.
        Assert.Equal(new[] { -1, 7 }, TensorProtoConverter.ToTensor(Typed(DataType.Int32, 2, p => p.Int32Data.AddRange([-1, 7])), "m").As<int>());
        Assert.Equal(new uint[] { 4_000_000_000, 1 }, TensorProtoConverter.ToTensor(Typed(DataType.UInt32, 2, p => p.Uint64Data.AddRange([4_000_000_000UL, 1UL])), "m").As<uint>());
        Assert.Equal(new long[] { long.MinValue, 3 }, TensorProtoConverter.ToTensor(Typed(DataType.Int64, 2, p => p.Int64Data.AddRange([long.MinValue, 3L])), "m").As<long>());
        Assert.Equal(new ulong[] { ulong.MaxValue, 3 }, TensorProtoConverter.ToTensor(Typed(DataType.UInt64, 2, p => p.Uint64Data.AddRange([ulong.MaxValue, 3UL])), "m").As<ulong>());
        Assert.Equal(new short[] { -300, 2 }, TensorProtoConverter.ToTensor(Typed(DataType.Int16, 2, p => p.Int32Data.AddRange([-300, 2])), "m").As<short>());
        Assert.Equal(new ushort[] { 65535, 2 }, TensorProtoConverter.ToTensor(Typed(DataType.UInt16, 2, p => p.Int32Data.AddRange([65535, 2])), "m").As<ushort>());
        Assert.Equal(new sbyte[] { -128, 5 }, TensorProtoConverter.ToTensor(Typed(DataType.Int8, 2, p => p.Int32Data.AddRange([-128, 5])), "m").As<sbyte>());
        Assert.Equal(new byte[] { 200, 5 }, TensorProtoConverter.ToTensor(Typed(DataType.UInt8, 2, p => p.Int32Data.AddRange([200, 5])), "m").As<byte>());
        Assert.Equal(new[] { true, false }, TensorProtoConverter.ToTensor(Typed(DataType.Bool, 2, p => p.Int32Data.AddRange([3, 0])), "m").As<bool>());
        Assert.Equal(new[] { (Half)1, (Half)(-2) }, TensorProtoConverter.ToTensor(Typed(DataType.Float16, 2, p => p.Int32Data.AddRange([0x3C00, 0xC000])), "m").As<Half>());
        var bf = TensorProtoConverter.ToTensor(Typed(DataType.BFloat16, 1, p => p.Int32Data.Add(0x3F80)), "m");
        Assert.Equal(DataType.BFloat16, bf.Type);
        Assert.Equal(1.0, bf.ToDoubleArray()[0]);
        Assert.Equal(new[] { 0.5, -1e300 }, TensorProtoConverter.ToTensor(Typed(DataType.Double, 2, p => p.DoubleData.AddRange([0.5, -1e300])), "m").As<double>());
        Assert.Equal(new[] { "a", "ü" }, TensorProtoConverter.ToTensor(Typed(DataType.String, 2, p => p.StringData.AddRange([ByteString.CopyFromUtf8("a"), ByteString.CopyFromUtf8("ü")])), "m").As<string>());
    }

    [Fact]
    public void UnsignedValuesWidenWithoutSign()
    {
        Assert.Equal(new[] { 200.0 }, Tensor.FromArray(new byte[] { 200 }, 1).ToDoubleArray());
        Assert.Equal(new[] { 65535.0 }, Tensor.FromArray(new ushort[] { 65535 }, 1).ToDoubleArray());
        Assert.Equal(new[] { 4e9 }, Tensor.FromArray(new uint[] { 4_000_000_000 }, 1).ToDoubleArray());
        Assert.Equal(new[] { 1.8446744073709552E+19 }, Tensor.FromArray(new ulong[] { ulong.MaxValue }, 1).ToDoubleArray());
        Assert.Equal(new[] { 4_000_000_000L }, Tensor.FromArray(new uint[] { 4_000_000_000 }, 1).ToInt64Array());
        Assert.Equal(new[] { -5.0 }, Tensor.FromArray(new sbyte[] { -5 }, 1).ToDoubleArray());
        Assert.Equal(new[] { -5L }, Tensor.FromArray(new int[] { -5 }, 1).ToInt64Array());
        // The result is a real long[], usable to build an Int64 tensor.
        Assert.Equal(DataType.Int64, Tensor.FromArray(Tensor.FromArray(new ulong[] { 7 }, 1).ToInt64Array(), 1).Type);
    }

    [Fact]
    public void EveryElementTypeRoundTripsThroughRawData()
    {
        var tensors = new[]
        {
            Tensor.FromArray(new float[] { 1.5f, float.NaN }, 2), Tensor.FromArray(new double[] { -0.0, 1e-300 }, 2),
            Tensor.FromArray(new Half[] { (Half)0.5 }, 1), Tensor.BFloat16([0x3F80, 0xFFFF], 2),
            Tensor.FromArray(new sbyte[] { -1 }, 1), Tensor.FromArray(new byte[] { 255 }, 1),
            Tensor.FromArray(new short[] { -2 }, 1), Tensor.FromArray(new ushort[] { 65000 }, 1),
            Tensor.FromArray(new int[] { int.MinValue }, 1), Tensor.FromArray(new uint[] { uint.MaxValue }, 1),
            Tensor.FromArray(new long[] { long.MinValue }, 1), Tensor.FromArray(new ulong[] { ulong.MaxValue }, 1),
            Tensor.FromArray(new bool[] { true, false, true }, 3, 1), Tensor.FromArray(new string[] { "x", "" }, 2),
            Tensor.FromArray(new float[0], 0, 3),
        };
        foreach (var t in tensors)
        {
            var back = TensorProtoConverter.ToTensor(TensorProto.Parser.ParseFrom(TensorProtoConverter.FromTensor(t, "n").ToByteArray()), "m");
            Assert.Equal(t.Type, back.Type);
            Assert.Equal(t.Shape, back.Shape);
            if (t.Data is string[] s) Assert.Equal(s, back.As<string>());
            else Assert.Equal(t.ToRawBytes(), back.ToRawBytes());
        }
    }
}
