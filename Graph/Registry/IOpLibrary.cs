namespace Engine.Graph;

/// <summary>
/// A family of op definitions (one file per family under Graph/Ops). The registry finds every
/// implementation by reflection, so adding a family never touches a central list.
/// </summary>
public interface IOpLibrary
{
    void Register(OpRegistry registry);
}
