// The preload has no exports: importing it starts promkit.
export {};
