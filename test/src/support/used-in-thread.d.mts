import type {
  BearerType,
  ConfigurationState,
  ConfigurationType,
  NetworkConfigurationManager,
} from '@netbearer/core';

export declare const builtPackages: { readonly core: URL; readonly simulated: URL };

export declare function requireBuiltPackages(): void;

export interface ManagerView {
  readonly configurations: ReadonlyArray<{
    readonly identifier: string;
    readonly name: string;
    readonly type: ConfigurationType;
    readonly state: ConfigurationState;
    readonly bearerType: BearerType;
    readonly children: readonly string[];
  }>;
  readonly active: readonly string[];
  readonly defaultConfiguration: string;
  readonly online: boolean;
}

export declare function describeManager(manager: NetworkConfigurationManager): ManagerView;
