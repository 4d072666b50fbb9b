namespace Engine.Runtime;

/// <summary>Facts about element types: CLR storage, size, short names used by the text form.</summary>
public static class DataTypes
{
    /// <summary>The CLR array element type a tensor of this type stores. bf16 is stored as raw ushort bits.</summary>
    public static Type ClrType(DataType t) => t switch
    {
        DataType.Float => typeof(float),
        DataType.Double => typeof(double),
        DataType.Float16 => typeof(Half),
        DataType.BFloat16 => typeof(ushort),
        DataType.Int8 => typeof(sbyte),
        DataType.UInt8 => typeof(byte),
        DataType.Int16 => typeof(short),
        DataType.UInt16 => typeof(ushort),
        DataType.Int32 => typeof(int),
        DataType.UInt32 => typeof(uint),
        DataType.Int64 => typeof(long),
        DataType.UInt64 => typeof(ulong),
        DataType.Bool => typeof(bool),
        DataType.String => typeof(string),
        _ => throw new EngineException($"element type {t} is not supported"),
    };

    public static bool IsSupported(DataType t) => t is DataType.Float or DataType.Double or DataType.Float16
        or DataType.BFloat16 or DataType.Int8 or DataType.UInt8 or DataType.Int16 or DataType.UInt16
        or DataType.Int32 or DataType.UInt32 or DataType.Int64 or DataType.UInt64 or DataType.Bool or DataType.String;

    /// <summary>The DataType for a CLR element type (ushort maps to UInt16, never BFloat16).</summary>
    public static DataType Of<T>() => Of(typeof(T));

    public static DataType Of(Type t)
    {
        if (t == typeof(float)) return DataType.Float;
        if (t == typeof(double)) return DataType.Double;
        if (t == typeof(Half)) return DataType.Float16;
        if (t == typeof(sbyte)) return DataType.Int8;
        if (t == typeof(byte)) return DataType.UInt8;
        if (t == typeof(short)) return DataType.Int16;
        if (t == typeof(ushort)) return DataType.UInt16;
        if (t == typeof(int)) return DataType.Int32;
        if (t == typeof(uint)) return DataType.UInt32;
        if (t == typeof(long)) return DataType.Int64;
        if (t == typeof(ulong)) return DataType.UInt64;
        if (t == typeof(bool)) return DataType.Bool;
        if (t == typeof(string)) return DataType.String;
        throw new EngineException($"CLR type {t.Name} has no tensor element type");
    }

    /// <summary>Bytes per element in ONNX raw_data (strings have none).</summary>
    public static int Size(DataType t) => t switch
    {
        DataType.Double or DataType.Int64 or DataType.UInt64 => 8,
        DataType.Float or DataType.Int32 or DataType.UInt32 => 4,
        DataType.Float16 or DataType.BFloat16 or DataType.Int16 or DataType.UInt16 => 2,
        DataType.Int8 or DataType.UInt8 or DataType.Bool => 1,
        _ => 0,
    };

    public static bool IsFloat(DataType t) => t is DataType.Float or DataType.Double or DataType.Float16 or DataType.BFloat16;

    public static bool IsSignedInteger(DataType t) => t is DataType.Int8 or DataType.Int16 or DataType.Int32 or DataType.Int64;

    public static bool IsUnsignedInteger(DataType t) => t is DataType.UInt8 or DataType.UInt16 or DataType.UInt32 or DataType.UInt64;

    public static bool IsInteger(DataType t) => IsSignedInteger(t) || IsUnsignedInteger(t);

    public static bool IsNumeric(DataType t) => IsFloat(t) || IsInteger(t);

    private static readonly (DataType Type, string Name)[] Names =
    [
        (DataType.Float, "f32"), (DataType.Double, "f64"), (DataType.Float16, "f16"), (DataType.BFloat16, "bf16"),
        (DataType.Int8, "i8"), (DataType.UInt8, "u8"), (DataType.Int16, "i16"), (DataType.UInt16, "u16"),
        (DataType.Int32, "i32"), (DataType.UInt32, "u32"), (DataType.Int64, "i64"), (DataType.UInt64, "u64"),
        (DataType.Bool, "bool"), (DataType.String, "string"), (DataType.Undefined, "?"),
    ];

    /// <summary>Short name used by the IR text form: f32, i64, bool, …</summary>
    public static string ShortName(DataType t)
    {
        foreach (var (type, name) in Names)
        {
            if (type == t) return name;
        }
        return t.ToString().ToLowerInvariant();
    }

    public static bool TryParseShortName(string s, out DataType t)
    {
        foreach (var (type, name) in Names)
        {
            if (name == s) { t = type; return true; }
        }
        t = DataType.Undefined;
        return false;
    }
}
