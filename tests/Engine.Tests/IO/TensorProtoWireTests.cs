using CsCheck;
using Engine.Onnx;
using Engine.Onnx.Proto;
using Engine.Runtime;
using Engine.Runtime.IO;
using Google.Protobuf;

namespace Engine.Tests.IO;

/// <summary>The Protobuf-free TensorProto reader/writer against Google.Protobuf and the ONNX converter.</summary>
public class TensorProtoWireTests
{
    public static TheoryData<Tensor> Tensors => new()
    {
        Tensor.FromArray(new[] { 1.5f, -2f, float.NaN, 0f, 3e30f, -0f }, 2, 3),
        Tensor.FromArray(new[] { 1.0, -2.25 }, 2),
        Tensor.FromArray(new[] { long.MinValue, -1L, 0L, long.MaxValue }, 4),
        Tensor.FromArray(new[] { int.MinValue, -7, 300, int.MaxValue }, 1, 4),
        Tensor.FromArray(new[] { (sbyte)-128, (sbyte)5 }, 2),
        Tensor.FromArray(new[] { (byte)255, (byte)0, (byte)7 }, 3),
        Tensor.FromArray(new[] { true, false, true }, 3),
        Tensor.FromArray(new[] { (Half)1.5, (Half)(-3) }, 2),
        Tensor.FromArray(new[] { ulong.MaxValue, 1UL }, 2),
        Tensor.FromArray(new[] { uint.MaxValue, 3u }, 2),
        Tensor.FromArray(Array.Empty<float>(), 0, 4),
        Tensor.Scalar(42f),
    };

    [Theory]
    [MemberData(nameof(Tensors))]
    public void WritesTheSameBytesAsGoogleProtobufAndReadsThemBack(Tensor t)
    {
        var ours = TensorProtoWire.Write(t, "héllo \"x\"");
        Assert.Equal(TensorProtoConverter.FromTensor(t, "héllo \"x\"").ToByteArray(), ours);
        var (name, back) = TensorProtoWire.Read(ours, "test");
        Assert.Equal("héllo \"x\"", name);
        Assert.Equal(t.Type, back.Type);
        Assert.Equal(t.Shape, back.Shape);
        Assert.Equal(t.ToRawBytes(), back.ToRawBytes());
    }

    [Fact]
    public void ReadsTypedFieldsAndPackedOrUnpackedDims()
    {
        var cases = new List<(TensorProto Proto, Tensor Expected)>();
        var f = new TensorProto { Name = "f", DataType = (int)DataType.Float };
        f.Dims.Add(2);
        f.FloatData.Add([1.5f, -2f]);
        cases.Add((f, Tensor.FromArray(new[] { 1.5f, -2f }, 2)));
        var i32 = new TensorProto { DataType = (int)DataType.Int32 };
        i32.Dims.Add(3);
        i32.Int32Data.Add([-1, 0, int.MaxValue]);
        cases.Add((i32, Tensor.FromArray(new[] { -1, 0, int.MaxValue }, 3)));
        var i8 = new TensorProto { DataType = (int)DataType.Int8 };
        i8.Dims.Add(2);
        i8.Int32Data.Add([-128, 127]);
        cases.Add((i8, Tensor.FromArray(new[] { (sbyte)-128, (sbyte)127 }, 2)));
        var i64 = new TensorProto { DataType = (int)DataType.Int64 };
        i64.Dims.Add(2);
        i64.Int64Data.Add([long.MinValue, 5]);
        cases.Add((i64, Tensor.FromArray(new[] { long.MinValue, 5L }, 2)));
        var d = new TensorProto { DataType = (int)DataType.Double };
        d.Dims.Add(1);
        d.DoubleData.Add(-0.5);
        cases.Add((d, Tensor.FromArray(new[] { -0.5 }, 1)));
        var u64 = new TensorProto { DataType = (int)DataType.UInt64, DocString = "skipped" };
        u64.Dims.Add(1);
        u64.Uint64Data.Add(ulong.MaxValue);
        cases.Add((u64, Tensor.FromArray(new[] { ulong.MaxValue }, 1)));
        foreach (var (proto, expected) in cases)
        {
            var (_, t) = TensorProtoWire.Read(proto.ToByteArray(), "typed");
            Assert.Equal(expected.Type, t.Type);
            Assert.Equal(expected.Shape, t.Shape);
            Assert.Equal(expected.ToRawBytes(), t.ToRawBytes());
        }
        // Packed dims (field 1, wire type 2): [2, 3] then data_type = float, 6 floats in raw_data.
        var packed = new List<byte> { 0x0A, 0x02, 0x02, 0x03, 0x10, 0x01, 0x4A, 24 };
        packed.AddRange(new byte[24]);
        Assert.Equal(new[] { 2, 3 }, TensorProtoWire.Read(packed.ToArray(), "packed").Tensor.Shape);
    }

    [Fact]
    public void ReadsTheSharedModelFilesLikeTheProtobufReader()
    {
        foreach (var file in Directory.GetFiles(Support.Paths.SharedPath("models"), "*.pb", SearchOption.AllDirectories))
        {
            var (n1, a) = TensorProtoConverter.ReadFile(file);
            var (n2, b) = TensorProtoWire.ReadFile(file);
            Assert.Equal(n1, n2);
            Assert.Equal(a.Shape, b.Shape);
            Assert.Equal(a.ToRawBytes(), b.ToRawBytes());
        }
    }

    [Theory]
    [InlineData(new byte[] { 0x08 }, "truncated varint")]
    [InlineData(new byte[] { 0x4A, 0xFF, 0xFF, 0xFF, 0x0F }, "past the end")]
    [InlineData(new byte[] { 0x08, 0x02, 0x10, 0x01, 0x22, 0x04, 0, 0, 0x80, 0x3F }, "1 values but shape [2] needs 2")]
    [InlineData(new byte[] { 0x08, 0x80, 0x80, 0x80, 0x80, 0x04, 0x08, 0x80, 0x80, 0x80, 0x80, 0x04, 0x10, 0x01 }, "over the size limit")]
    [InlineData(new byte[] { 0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x10, 0x01 }, "invalid dimension")]
    [InlineData(new byte[] { 0x10, 0x08 }, "not supported")]
    [InlineData(new byte[] { 0x10, 0x01, 0x70, 0x01 }, "external data")]
    [InlineData(new byte[] { 0x0B }, "wire type 3")]
    public void BadFilesGiveOneLineErrors(byte[] bytes, string expected)
    {
        var e = Assert.Throws<EngineException>(() => TensorProtoWire.Read(bytes, "bad.pb"));
        Assert.Contains(expected, e.Message);
        Assert.StartsWith("bad.pb", e.Message);
        Assert.DoesNotContain("\n", e.Message);
    }

    [Fact]
    public void RandomBytesNeverCrashTheReader() =>
        Gen.Byte.Array[0, 64].Sample(bytes =>
        {
            try
            {
                TensorProtoWire.Read(bytes, "fuzz");
            }
            catch (EngineException e)
            {
                Assert.DoesNotContain("\n", e.Message);
            }
        }, iter: 3000);
}
