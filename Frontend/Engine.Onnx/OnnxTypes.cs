using Engine.Graph;
using Engine.Onnx.Proto;
using Engine.Runtime;

namespace Engine.Onnx;

/// <summary>TypeProto ↔ TensorType.</summary>
public static class OnnxTypes
{
    public static TensorType ToTensorType(TypeProto? t, string owner)
    {
        if (t is null) return TensorType.Unknown();
        if (t.ValueCase == TypeProto.ValueOneofCase.None) return TensorType.Unknown();
        // An optional tensor is a tensor value that may be absent (null at run time).
        if (t.ValueCase == TypeProto.ValueOneofCase.OptionalType && t.OptionalType.ElemType?.ValueCase == TypeProto.ValueOneofCase.TensorType)
            return ToTensorType(t.OptionalType.ElemType, owner);
        if (t.ValueCase != TypeProto.ValueOneofCase.TensorType)
            throw new EngineException($"{owner}: {t.ValueCase} values are not supported (only tensors)");
        var elem = (DataType)t.TensorType.ElemType;
        if (elem != DataType.Undefined && !DataTypes.IsSupported(elem))
            throw new EngineException($"{owner}: element type {(TensorProto.Types.DataType)t.TensorType.ElemType} is not supported");
        if (!t.TensorType.Shape.IsNotNull()) return new TensorType(elem, null);
        var dims = t.TensorType.Shape.Dim.Select(d => d.ValueCase switch
        {
            TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue => d.DimValue >= 0 ? Dim.Of(d.DimValue)
                : throw new EngineException($"{owner}: negative dimension {d.DimValue}"),
            TensorShapeProto.Types.Dimension.ValueOneofCase.DimParam when d.DimParam.Length > 0 => Dim.Sym(d.DimParam),
            _ => Dim.Unknown,
        }).ToArray();
        return new TensorType(elem, dims);
    }

    private static bool IsNotNull(this TensorShapeProto? s) => s is not null;

    public static TypeProto FromTensorType(TensorType t)
    {
        var tt = new TypeProto.Types.Tensor { ElemType = (int)t.Elem };
        if (t.Dims is not null)
        {
            tt.Shape = new TensorShapeProto();
            foreach (var d in t.Dims)
            {
                var dp = new TensorShapeProto.Types.Dimension();
                if (d.IsKnown) dp.DimValue = d.Value;
                else if (d.Symbol is not null) dp.DimParam = d.Symbol;
                tt.Shape.Dim.Add(dp);
            }
        }
        return new TypeProto { TensorType = tt };
    }
}
