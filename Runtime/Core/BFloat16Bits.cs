namespace Engine.Runtime;

/// <summary>bfloat16 is the top half of an IEEE float32; we store it as raw ushort bits.</summary>
public static class BFloat16Bits
{
    public static float ToFloat(ushort bits) => BitConverter.Int32BitsToSingle(bits << 16);

    /// <summary>Round-to-nearest-even conversion, NaN preserved (as ONNX and PyTorch do).</summary>
    public static ushort FromFloat(float f)
    {
        if (float.IsNaN(f)) return 0x7FC0;
        uint u = BitConverter.SingleToUInt32Bits(f);
        uint rounding = 0x7FFF + ((u >> 16) & 1);
        return (ushort)((u + rounding) >> 16);
    }
}
